using System.Text.Json;

namespace ClusterSnek.Supply.Scanning;

/// <summary>Reads Trivy's JSON report (SchemaVersion 2) into typed findings.</summary>
public static class TrivyReport
{
    public static IReadOnlyList<Finding> Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ScanFailedException($"{source}: Trivy's report is not JSON ({e.Message})."); }
        using var _ = doc;
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("SchemaVersion", out var version) || version.GetInt32() != 2)
            throw new ScanFailedException($"{source}: not a Trivy JSON report with SchemaVersion 2.");
        var findings = new List<Finding>();
        if (!root.TryGetProperty("Results", out var results) || results.ValueKind != JsonValueKind.Array) return findings;
        foreach (var result in results.EnumerateArray())
        {
            var target = Text(result, "Target") ?? "";
            foreach (var v in Items(result, "Vulnerabilities"))
                findings.Add(new Finding(FindingKind.Vulnerability, Text(v, "VulnerabilityID") ?? "?", SeverityOf(v), Text(v, "Title") ?? "",
                    target, Text(v, "PkgName"), Text(v, "InstalledVersion"), Text(v, "FixedVersion"), null, Text(v, "PrimaryURL")));
            foreach (var s in Items(result, "Secrets"))
                findings.Add(new Finding(FindingKind.Secret, Text(s, "RuleID") ?? "?", SeverityOf(s), Text(s, "Title") ?? "", target,
                    Line: s.TryGetProperty("StartLine", out var line) && line.ValueKind == JsonValueKind.Number ? line.GetInt32() : null));
            foreach (var m in Items(result, "Misconfigurations"))
            {
                if (Text(m, "Status") is { } status && !status.Equals("FAIL", StringComparison.OrdinalIgnoreCase)) continue;
                int? startLine = m.TryGetProperty("CauseMetadata", out var cause) && cause.ValueKind == JsonValueKind.Object
                    && cause.TryGetProperty("StartLine", out var sl) && sl.ValueKind == JsonValueKind.Number && sl.GetInt32() > 0 ? sl.GetInt32() : null;
                findings.Add(new Finding(FindingKind.Misconfiguration, Text(m, "AVDID") ?? Text(m, "ID") ?? "?", SeverityOf(m),
                    Text(m, "Title") ?? Text(m, "Message") ?? "", target, Line: startLine, Url: Text(m, "PrimaryURL")));
            }
        }
        return findings;
    }

    static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static Severity SeverityOf(JsonElement e) => ParseSeverity(Text(e, "Severity")) ?? Severity.Unknown;

    public static Severity? ParseSeverity(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "UNKNOWN" => Severity.Unknown,
        "LOW" => Severity.Low,
        "MEDIUM" => Severity.Medium,
        "HIGH" => Severity.High,
        "CRITICAL" => Severity.Critical,
        _ => null,
    };
}
