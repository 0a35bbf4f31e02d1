using System.Text.Json;
using System.Text.RegularExpressions;

namespace ClusterSnek.Policies;

/// <summary>One entry of trivy's JSON report (Results[].Misconfigurations[]), reduced to what PolicyTest uses.</summary>
public sealed record TrivyCheck(string File, string Id, string Title, string Severity, string Status, string Message, string Resolution, int Line, bool IsProject);

/// <summary>Reads trivy's documented JSON report format.</summary>
public static partial class TrivyReport
{
    public static IReadOnlyList<TrivyCheck> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var checks = new List<TrivyCheck>();
        if (!doc.RootElement.TryGetProperty("Results", out var results) || results.ValueKind != JsonValueKind.Array) return checks;
        foreach (var result in results.EnumerateArray())
        {
            var file = Str(result, "Target");
            if (!result.TryGetProperty("Misconfigurations", out var list) || list.ValueKind != JsonValueKind.Array) continue;
            foreach (var m in list.EnumerateArray())
            {
                var line = m.TryGetProperty("CauseMetadata", out var cause) && cause.TryGetProperty("StartLine", out var sl) && sl.ValueKind == JsonValueKind.Number ? sl.GetInt32() : 0;
                var ns = Str(m, "Namespace");
                checks.Add(new TrivyCheck(file, Str(m, "ID"), Str(m, "Title"), Str(m, "Severity"), Str(m, "Status"), Str(m, "Message"), Str(m, "Resolution"), line,
                    ns.StartsWith("user.", StringComparison.Ordinal)));
            }
        }
        return checks;
    }

    /// <summary>The project's policies write "resource | field | text"; a built-in check's field is the quoted path in its message.</summary>
    public static (string? Resource, string Field, string Text) SplitMessage(TrivyCheck check)
    {
        var parts = check.Message.Split(" | ", 3);
        if (check.IsProject && parts.Length == 3) return (parts[0], parts[1], parts[2]);
        var quoted = QuotedPath().Match(check.Message);
        return (null, quoted.Success ? quoted.Groups[1].Value : "-", check.Message);
    }

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    [GeneratedRegex(@"'([A-Za-z]+(?:\.[A-Za-z\[\]*]+)+)'")]
    private static partial Regex QuotedPath();
}
