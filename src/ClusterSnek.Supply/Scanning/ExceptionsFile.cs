using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Supply.Scanning;

/// <summary>
/// One reviewed exception to the scan gate (policies/exceptions.yaml): a finding id limited to a package or a path,
/// with the reason, an expiry date and who approved it. <see cref="Line"/> is where it stands in the file.
/// </summary>
public sealed record ExceptionEntry(string Id, string? Package, string? Path, string Reason, DateOnly Expires, string ApprovedBy, int Line)
{
    public bool Covers(Finding finding) =>
        finding.Id.Equals(Id, StringComparison.OrdinalIgnoreCase)
        && (Package is null || Package.Equals(finding.Package, StringComparison.Ordinal))
        && (Path is null || MatchesPath(finding.Target));

    // A path exception covers the file itself or anything under a folder ending in '/'.
    bool MatchesPath(string target)
    {
        var t = target.TrimStart('/');
        var p = Path!.TrimStart('/');
        return p.EndsWith('/') ? t.StartsWith(p, StringComparison.Ordinal) : t == p;
    }
}

/// <summary>Reads policies/exceptions.yaml; a malformed or expired entry is an error naming its line and the fix.</summary>
public static class ExceptionsFile
{
    static readonly string[] Fields = ["id", "package", "path", "reason", "expires", "approvedBy"];

    public static IReadOnlyList<ExceptionEntry> Load(string path, DateOnly today) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path, today) : [];

    public static IReadOnlyList<ExceptionEntry> Parse(string yaml, string file, DateOnly today)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new ScanFailedException($"{file}:{e.Start.Line}: not valid YAML: {e.Message.Split('\n')[0]}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return [];
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ScanFailedException($"{file}:1: expected a mapping with an 'exceptions' list.");
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value != "exceptions"))
            throw new ScanFailedException($"{file}:{key.Start.Line}: unknown key '{key.Value}'; the file has one key, 'exceptions'.");
        if (!root.Children.TryGetValue(new YamlScalarNode("exceptions"), out var listNode) || listNode is YamlScalarNode { Value: null or "" }) return [];
        if (listNode is not YamlSequenceNode list)
            throw new ScanFailedException($"{file}:{listNode.Start.Line}: 'exceptions' must be a list of entries (- id: ...).");

        var entries = new List<ExceptionEntry>();
        foreach (var item in list)
        {
            var line = (int)item.Start.Line;
            if (item is not YamlMappingNode map)
                throw new ScanFailedException($"{file}:{line}: an exception must be a mapping with {string.Join(", ", Fields)}.");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                if (!Fields.Contains(name))
                    throw new ScanFailedException($"{file}:{k.Start.Line}: unknown field '{name}'; allowed: {string.Join(", ", Fields)}.");
                if (v is not YamlScalarNode { Value: { Length: > 0 } text })
                    throw new ScanFailedException($"{file}:{v.Start.Line}: '{name}' needs a value.");
                values[name] = text.Trim();
            }
            string Required(string name) => values.GetValueOrDefault(name)
                ?? throw new ScanFailedException($"{file}:{line}: exception{(values.TryGetValue("id", out var id) ? $" {id}" : "")} has no '{name}' (every exception needs id, package or path, reason, expires, approvedBy).");
            var entryId = Required("id");
            var package = values.GetValueOrDefault("package");
            var pathValue = values.GetValueOrDefault("path");
            if (package is null == pathValue is null)
                throw new ScanFailedException($"{file}:{line}: exception {entryId} needs exactly one of 'package' or 'path' to limit what it covers.");
            var reason = Required("reason");
            var by = Required("approvedBy");
            if (!DateOnly.TryParseExact(Required("expires"), "yyyy-MM-dd", out var expires))
                throw new ScanFailedException($"{file}:{line}: exception {entryId}: 'expires' must be a date like 2027-01-31, not '{values["expires"]}'.");
            if (expires < today)
                throw new ScanFailedException($"{file}:{line}: exception {entryId} expired on {expires:yyyy-MM-dd} (approved by {by}); fix the finding, or renew the exception after review.");
            entries.Add(new ExceptionEntry(entryId, package, pathValue, reason, expires, by, line));
        }
        return entries;
    }
}
