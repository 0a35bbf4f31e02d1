using System.Globalization;
using System.Text.Json.Nodes;

namespace ClusterSnek.Reports;

/// <summary>Scan findings across images and the repository: vulnerabilities, secrets (never their text), misconfigurations, exceptions.</summary>
internal static class Findings
{
    static readonly string[] Order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

    public static JsonObject Of(JsonNode p, DateTimeOffset now)
    {
        var scans = p.Objects("images").Select(i => (service: i.Str("service"), scan: i.At("scan")))
            .Append((service: (string?)null, scan: p.At("scan")))
            .Where(s => s.scan is JsonObject).ToList();

        var vulnerabilities = scans.SelectMany(s => s.scan.Objects("vulnerabilities").Select(v => new JsonObject
        {
            ["service"] = s.service ?? v.Str("service") ?? "",
            ["id"] = v.FirstStr("id", "vulnerabilityID", "VulnerabilityID"),
            ["package"] = v.FirstStr("package", "pkgName", "PkgName"),
            ["installed"] = v.FirstStr("installed", "installedVersion", "InstalledVersion"),
            ["fixed"] = v.FirstStr("fixed", "fixedVersion", "FixedVersion") ?? "no fix yet",
            ["severity"] = (v.FirstStr("severity", "Severity") ?? "UNKNOWN").ToUpperInvariant(),
            ["title"] = v.FirstStr("title", "Title"),
        })).OrderBy(v => Rank(v.Str("severity"))).ThenBy(v => v.Str("id"), StringComparer.Ordinal).ToList();

        var counts = Order.Select(sev => (JsonNode)new JsonObject
        {
            ["severity"] = sev,
            ["css"] = sev.ToLowerInvariant(),
            // Scanners may list only some findings but count all: show whichever is larger.
            ["count"] = Math.Max(vulnerabilities.Count(v => v.Str("severity") == sev),
                scans.Where(s => s.service is not null).Sum(s => s.scan.Long(sev.ToLowerInvariant()) ?? 0)),
        }).ToArray();

        // A secret's matched text is never shown: rule, file and line are enough to find it.
        var secrets = scans.SelectMany(s => s.scan.Objects("secrets").Select(x => (JsonNode)new JsonObject
        {
            ["where"] = s.service ?? x.Str("service") ?? "repository",
            ["file"] = x.FirstStr("file", "target", "path"),
            ["line"] = x.FirstStr("line", "startLine", "StartLine"),
            ["rule"] = x.FirstStr("rule", "ruleID", "RuleID", "id"),
            ["severity"] = x.FirstStr("severity", "Severity"),
        })).ToArray();

        var misconfigurations = scans.SelectMany(s => s.scan.Objects("misconfigurations").Select(m => (JsonNode)new JsonObject
        {
            ["id"] = m.FirstStr("id", "ID", "avdId"),
            ["file"] = m.FirstStr("file", "target", "resource"),
            ["severity"] = m.FirstStr("severity", "Severity"),
            ["title"] = m.FirstStr("title", "message", "Title"),
            ["resolution"] = m.FirstStr("resolution", "Resolution"),
        })).ToArray();

        var exceptions = scans.SelectMany(s => s.scan.Objects("exceptions"))
            .Concat(p.Objects("policies").SelectMany(e => e.Objects("exceptions")))
            .Concat(p.Objects("exceptions"))
            .Select(x =>
            {
                var expires = x.Time("expires") ?? x.Time("expiry");
                return (JsonNode)new JsonObject
                {
                    ["id"] = x.FirstStr("id", "vulnerability", "policy", "rule"),
                    ["scope"] = x.FirstStr("service", "resource", "environment", "image"),
                    ["reason"] = x.FirstStr("reason", "justification"),
                    ["expires"] = expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? x.FirstStr("expires", "expiry") ?? "never (no expiry)",
                    ["expired"] = expires is { } e && e < now,
                };
            }).ToArray();

        var gates = scans.Select(s => Gate.Of(s.scan)).Where(g => g.State != Gate.Unknown).ToList();
        var gate = gates.FirstOrDefault(g => g.State == Gate.Failed) ?? gates.FirstOrDefault() ?? new Gate(Gate.Unknown, null);
        var notRun = scans.Select(s => s.scan.Str("vulnerabilityScan")).FirstOrDefault(v => v is not null && v.StartsWith("not run", StringComparison.OrdinalIgnoreCase));
        return new JsonObject
        {
            ["present"] = scans.Count > 0,
            ["absent"] = ReportModel.Absence(p, "Scan"),
            ["gate"] = gate.State,
            ["gateReason"] = gate.Reason ?? (gate.State == Gate.Unknown ? "no gate decision recorded" : null),
            ["vulnerabilityScan"] = notRun,
            ["counts"] = new JsonArray(counts),
            ["vulnerabilities"] = new JsonArray(vulnerabilities.Cast<JsonNode>().ToArray()),
            ["secrets"] = new JsonArray(secrets),
            ["misconfigurations"] = new JsonArray(misconfigurations),
            ["exceptions"] = new JsonArray(exceptions),
        };
    }

    static int Rank(string? severity) => System.Array.IndexOf(Order, severity) is var i and >= 0 ? i : Order.Length;
}
