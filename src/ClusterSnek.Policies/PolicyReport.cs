using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Policies;

/// <summary>Writes a result as artifacts/policy/&lt;env&gt;.json and SARIF 2.1.0 (GitHub code scanning), and prints the violations table.</summary>
public static class PolicyReport
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The per-environment result that goes into pipeline.json's policies[].</summary>
    public static PolicyEnvironmentResult Summary(PolicyResult r, string reportFile, string sarifFile) => new(
        r.Environment, r.Succeeded, r.ChecksRun, r.Passed, r.Failed,
        r.Violations.Select(v => Entry(v, excepted: false)).Concat(r.Excepted.Select(v => Entry(v, excepted: true))).ToList(),
        r.ExceptionsUsed, r.Disabled.Select(d => $"{d.Id}: {d.Reason}").ToList(), r.ProjectPolicies, r.PlaceholderDigests, reportFile, sarifFile);

    static PolicyViolationEntry Entry(PolicyViolation v, bool excepted) =>
        new(v.PolicyId, v.Severity, v.Resource, v.Field, v.Message, v.Fix, excepted);

    public static async Task WriteAsync(PolicyResult result, string jsonFile, string sarifFile, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(jsonFile)!);
        await File.WriteAllTextAsync(jsonFile, JsonSerializer.Serialize(result, Json), cancellation);
        await File.WriteAllTextAsync(sarifFile, Sarif(result), cancellation);
    }

    public static string Sarif(PolicyResult result)
    {
        var all = result.Violations.Concat(result.Excepted).ToList();
        var rules = all.GroupBy(v => v.PolicyId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new
        {
            id = g.Key, name = g.First().Title, shortDescription = new { text = g.First().Title },
            help = new { text = g.First().Fix }, properties = new { severity = g.First().Severity, source = g.First().Source.ToString().ToLowerInvariant() },
        }).ToList();
        var sarif = new Dictionary<string, object>
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new[]
            {
                new
                {
                    tool = new { driver = new { name = "ClusterSnek PolicyTest", informationUri = "https://github.com/clustersnek", rules } },
                    automationDetails = new { id = $"policytest/{result.Environment}" },
                    results = all.Select(v => new
                    {
                        ruleId = v.PolicyId,
                        level = v.ExceptedBy is not null ? "note" : v.Severity is "CRITICAL" or "HIGH" ? "error" : "warning",
                        message = new { text = $"{v.Resource}: {v.Field}: {v.Message}. Fix: {v.Fix}" },
                        locations = new[] { new { physicalLocation = new { artifactLocation = new { uri = v.File }, region = new { startLine = Math.Max(1, v.Line) } } } },
                        suppressions = v.ExceptedBy is { } e ? new[] { new { kind = "external", justification = $"{e.Reason} (expires {e.Expires:yyyy-MM-dd})" } } : null,
                    }),
                },
            },
        };
        return JsonSerializer.Serialize(sarif, Json);
    }

    /// <summary>Policy, severity, resource, field, how to fix: one row per violation, aligned for a terminal.</summary>
    public static string Table(PolicyResult result)
    {
        var rows = result.Violations.Select(v => new[] { v.PolicyId, v.Severity, v.Resource, v.Field, v.Fix }).ToList();
        string[] header = ["policy", "severity", "resource", "field", "how to fix"];
        var widths = Enumerable.Range(0, 4).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        var text = new StringBuilder();
        void Row(string[] r) => text.AppendLine(string.Join("  ", r.Take(4).Select((c, i) => c.PadRight(widths[i]))) + "  " + r[4]);
        Row(header);
        foreach (var r in rows) Row(r);
        return text.ToString();
    }
}
