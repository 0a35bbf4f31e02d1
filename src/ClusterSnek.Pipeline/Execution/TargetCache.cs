using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Content-hash cache: a target whose input files and values hash as last time, and whose outputs still exist,
/// is not run again; the sections it recorded in pipeline.json are restored instead. Every entry is sealed with an
/// HMAC-SHA256 under a key outside the checkout (<see cref="CacheKey"/>): an entry edited by anything but the pipeline
/// (or written under another key) is refused, said in one line, and the target runs. Without a key nothing is replayed.
/// </summary>
internal sealed partial class TargetCache(AbsolutePath root, AbsolutePath directory, CacheKey? seal)
{
    static readonly JsonSerializerOptions Canonical = new();

    /// <summary>The checkout the entries' paths are relative to.</summary>
    public AbsolutePath Root => root;

    sealed record FileStamp(long Size, long MtimeTicks, string Sha256);
    sealed record Entry(string Key, Dictionary<string, JsonNode> Sections, Dictionary<string, FileStamp> Files)
    {
        /// <summary>Each input-value group's hash, named by its declaration (to say which one changed); absent in older entries.</summary>
        public Dictionary<string, string>? Values { get; init; }
    }

    /// <summary>What a key was computed from: each input file's hash and each input-value group's hash.</summary>
    internal sealed record KeyParts(Dictionary<string, string> Files, Dictionary<string, string> Values);

    public string ComputeKey(string target, TargetDefinition definition, out KeyParts parts)
    {
        var previous = Load(target, out _)?.Files ?? [];
        var fileHashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var valueHashes = new Dictionary<string, string>(StringComparer.Ordinal);
        parts = new KeyParts(fileHashes, valueHashes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Add("target:" + target);
        foreach (var file in Glob.Files(root, definition.InputGlobs))
        {
            var hash = HashFile(root / file, previous.GetValueOrDefault(file));
            fileHashes[file] = hash;
            Add($"file:{file}:{hash}");
        }
        foreach (var ((values, text), index) in definition.InputValues.Select((v, i) => (v, i)))
        {
            var list = values().Select(v => v ?? "<null>").ToList();
            Add($"values:{text}:{string.Join('\u001f', list)}");
            // Each value hashed on its own, named by its group's declaration and its own "name=" prefix (or position), so a miss can
            // say which one changed: "ReleaseDigests() (backend)".
            var group = ValueName(text);
            if (valueHashes.Keys.Any(k => k.StartsWith(group + "\u001f", StringComparison.Ordinal))) group += $" #{index + 1}";
            foreach (var (value, position) in list.Select((v, i) => (v, i)))
            {
                var label = ValueLabel().Match(value) is { Success: true } m ? m.Groups[1].Value : $"value {position + 1}";
                var key = $"{group}\u001f{label}";
                if (valueHashes.ContainsKey(key)) key += $" {position + 1}";
                valueHashes[key] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..16];
            }
        }
        foreach (var output in definition.OutputPaths.SelectMany(o => o())) Add("output:" + output);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static string HashFile(AbsolutePath file, FileStamp? previous)
    {
        var info = new FileInfo(file);
        if (previous is not null && previous.Size == info.Length && previous.MtimeTicks == info.LastWriteTimeUtc.Ticks)
            return previous.Sha256;
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public IReadOnlyDictionary<string, JsonNode>? TryHit(string target, TargetDefinition definition, string key)
    {
        var entry = Load(target, out var refusal);
        if (refusal is not null) Log.Warning("{Refusal}", refusal);
        if (entry is null || entry.Key != key) return null;
        foreach (var output in definition.OutputPaths.SelectMany(o => o()))
            if (!(root / output).Exists) return null;
        return entry.Sections;
    }

    /// <summary>
    /// Why a target that missed the cache runs, in a few words for the summary: no entry yet, which input files changed (the first
    /// few by name), which declared input values changed (by their declaration), or which output is gone.
    /// </summary>
    public string WhyMiss(string target, TargetDefinition definition, KeyParts parts)
    {
        var entry = Load(target, out var refusal);
        if (refusal is not null) return "cache entry refused (its seal does not verify)";
        if (entry is null) return "no cache entry yet";
        var files = parts.Files.Keys.Union(entry.Files.Keys, StringComparer.Ordinal)
            .Where(f => parts.Files.GetValueOrDefault(f) != entry.Files.GetValueOrDefault(f)?.Sha256).Order(StringComparer.Ordinal).ToList();
        var reasons = new List<string>();
        if (files.Count > 0)
            reasons.Add("changed: " + string.Join(", ", files.Take(3).Select(f => parts.Files.ContainsKey(f) ? entry.Files.ContainsKey(f) ? f : f + " (new)" : f + " (deleted)"))
                + (files.Count > 3 ? $" and {files.Count - 3} more file(s)" : ""));
        if (entry.Values is { } values)
        {
            var changed = parts.Values.Keys.Union(values.Keys, StringComparer.Ordinal)
                .Where(k => values.GetValueOrDefault(k) != parts.Values.GetValueOrDefault(k))
                .Select(k => k.Split('\u001f')).GroupBy(k => k[0], k => k[1])
                .Select(g => $"{g.Key} ({string.Join(", ", g.Take(4))}{(g.Count() > 4 ? ", …" : "")})").ToList();
            if (changed.Count > 0) reasons.Add("changed: " + string.Join(", ", changed));
        }
        var missing = definition.OutputPaths.SelectMany(o => o()).FirstOrDefault(o => !(root / o).Exists);
        if (missing is not null) reasons.Add($"output {missing} is gone");
        return reasons.Count > 0 ? string.Join("; ", reasons) : entry.Values is null ? "cache entry from an older version" : "inputs changed";
    }

    /// <summary>An input-value group's name in the summary: its declaration, shortened (<c>.Inputs(() => [..])</c>'s text).</summary>
    static string ValueName(string text)
    {
        if (FirstCall().Match(text) is { Success: true } call) return call.Value.Length > 48 ? call.Value[..47] + "…)" : call.Value;
        var flat = Regex.Replace(text, @"\s+", " ").Trim();
        if (flat.StartsWith("() =>", StringComparison.Ordinal)) flat = flat[5..].Trim();
        return flat.Length > 48 ? flat[..47] + "…" : flat;
    }

    // The first call in a declaration (".Inputs(() => [.. ReleaseDigests(), …])" → "ReleaseDigests()"); a value's "name=" prefix.
    [GeneratedRegex(@"(?<![\w.])[A-Z][\w]*(\.[A-Z][\w]*)*\([^()]*\)")]
    private static partial Regex FirstCall();

    [GeneratedRegex(@"^([A-Za-z][\w.-]{0,31})=")]
    private static partial Regex ValueLabel();

    public void Store(string target, string key, IReadOnlyDictionary<string, JsonNode> sections, KeyParts parts)
    {
        if (seal is null) return;
        var files = parts.Files.ToDictionary(kv => kv.Key, kv =>
        {
            var info = new FileInfo(root / kv.Key);
            return new FileStamp(info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc.Ticks : 0, kv.Value);
        });
        directory.CreateDirectory();
        // Redacted before serializing (escaping would hide a secret from a text search) and after.
        var node = Redactor.RedactValues(JsonSerializer.SerializeToNode(new Entry(key, sections.ToDictionary(), files) { Values = parts.Values }, RunRecord.Json));
        var entry = JsonNode.Parse(Redactor.Redact(node!.ToJsonString(RunRecord.Json)))!;
        // The seal covers the entry as it is written (after redaction), in one canonical form that Load reproduces.
        var sealedEntry = new JsonObject { ["mac"] = seal.Seal(entry.ToJsonString(Canonical)), ["entry"] = entry };
        var file = directory / (target + ".json");
        File.WriteAllText(file + ".tmp", sealedEntry.ToJsonString(RunRecord.Json));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    public void Invalidate(string target)
    {
        var file = directory / (target + ".json");
        if (File.Exists(file)) File.Delete(file);
    }

    /// <summary>The entry when its seal verifies; else null, with the one line that says why it was refused.</summary>
    Entry? Load(string target, out string? refusal)
    {
        refusal = null;
        var file = directory / (target + ".json");
        if (!File.Exists(file) || seal is null) return null;
        var name = file.IsInside(root) ? file.RelativeTo(root) : file.Value;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(file)) is not JsonObject { } wrapper || wrapper["entry"] is not JsonObject entry
                || wrapper["mac"]?.GetValueKind() != JsonValueKind.String)
            {
                refusal = $"cache entry {name} is not sealed (written before cache integrity, or by something else): running {target}";
                return null;
            }
            if (!seal.Verifies(entry.ToJsonString(Canonical), wrapper["mac"]!.GetValue<string>()))
            {
                refusal = $"cache entry {name} was modified outside the pipeline: running {target}";
                return null;
            }
            return entry.Deserialize<Entry>(RunRecord.Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            refusal = $"cache entry {name} is not a cache entry ({e.Message.Split('\n')[0]}): running {target}";
            return null;
        }
    }
}
