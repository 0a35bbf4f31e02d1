using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Supply.Scanning;

/// <summary>Writes findings as SARIF 2.1.0, the format GitHub code scanning uploads (one run, tool "Trivy").</summary>
public static class Sarif
{
    public static string Write(IReadOnlyList<Finding> findings, string subject, string? artifactPrefix = null)
    {
        var rules = findings.GroupBy(f => f.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var f = g.First();
            var rule = new JsonObject
            {
                ["id"] = f.Id,
                ["name"] = f.Kind.ToString(),
                ["shortDescription"] = new JsonObject { ["text"] = string.IsNullOrEmpty(f.Title) ? f.Id : f.Title },
                ["properties"] = new JsonObject
                {
                    ["tags"] = new JsonArray("security", f.Kind.ToString().ToLowerInvariant()),
                    ["security-severity"] = SecuritySeverity(f.Severity),
                },
            };
            if (f.Url is not null) rule["helpUri"] = f.Url;
            return (JsonNode)rule;
        }).ToArray();
        var results = findings.Select(f =>
        {
            var region = f.Line is { } line ? new JsonObject { ["startLine"] = line } : null;
            var physical = new JsonObject { ["artifactLocation"] = new JsonObject { ["uri"] = Uri(artifactPrefix, f.Target) } };
            if (region is not null) physical["region"] = region;
            return (JsonNode)new JsonObject
            {
                ["ruleId"] = f.Id,
                ["level"] = Level(f.Severity),
                ["message"] = new JsonObject { ["text"] = $"{subject}: {f.Describe()}" },
                ["locations"] = new JsonArray(new JsonObject { ["physicalLocation"] = physical }),
            };
        }).ToArray();
        var sarif = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = "Trivy", ["informationUri"] = "https://github.com/aquasecurity/trivy", ["rules"] = new JsonArray(rules) } },
                ["automationDetails"] = new JsonObject { ["id"] = "clustersnek/" + subject + "/" },
                ["results"] = new JsonArray(results),
            }),
        };
        return sarif.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static string Uri(string? prefix, string target)
    {
        var t = target.TrimStart('/');
        return prefix is null ? t : prefix.TrimEnd('/') + "/" + t;
    }

    static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    // GitHub ranks alerts by this CVSS-like number (critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0).
    static string SecuritySeverity(Severity s) => (s switch
    {
        Severity.Critical => 9.5,
        Severity.High => 8.0,
        Severity.Medium => 5.5,
        Severity.Low => 2.0,
        _ => 0.0,
    }).ToString("0.0", CultureInfo.InvariantCulture);
}
