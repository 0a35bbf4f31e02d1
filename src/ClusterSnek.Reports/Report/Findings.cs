using System.Globalization;
using System.Text.Json.Nodes;
using ClusterSnek.Record;

namespace ClusterSnek.Reports;

/// <summary>
/// The scan section: the gate per subject, counts by severity, vulnerabilities, secrets (by file, line and rule only),
/// misconfigurations and the exceptions used. Image results come only from <see cref="PipelineDocument.ImageViews"/>.
/// </summary>
internal static class Findings
{
    static readonly string[] Order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

    public static JsonObject Of(PipelineDocument doc, DateTimeOffset now)
    {
        var source = SectionSource.Of(doc, Sections.Scan);
        var views = doc.ImageViews();
        var subjects = views.Where(v => v.Scan is not null).Select(v => (Where: v.Image.Service, Result: v.Scan!)).ToList();
        if (doc.Scan?.Repository is { } repository) subjects.Add(("repository", repository));
        var shown = subjects.Select(s => s.Result).ToHashSet();
        var notShown = (doc.Scan?.Images ?? []).Where(r => !shown.Contains(r)).Select(r =>
            $"the scan of {r.Subject} {Display.Short(r.Digest)} is not shown: that digest is not one of the images of this record");

        var vulnerabilities = subjects.SelectMany(s => s.Result.Vulnerabilities.Select(v => (Where: s.Where, Finding: v)))
            .OrderBy(v => Rank(v.Finding.Severity)).ThenBy(v => v.Finding.Id, StringComparer.Ordinal)
            .Select(v => (JsonNode)new JsonObject
            {
                ["service"] = v.Where,
                ["id"] = v.Finding.Id,
                ["package"] = v.Finding.Package,
                ["installed"] = v.Finding.Installed,
                ["fixed"] = v.Finding.Fixed ?? "no fix yet",
                ["severity"] = v.Finding.Severity.ToUpperInvariant(),
                ["title"] = v.Finding.Title,
            }).ToArray();

        var counts = Order.Select(severity => (JsonNode)new JsonObject
        {
            ["severity"] = severity,
            ["css"] = severity.ToLowerInvariant(),
            ["count"] = subjects.Sum(s => Count(s.Result.Counts, severity)),
        }).ToArray();

        // A secret's matched text never reaches the record: file, line and rule are enough to find it.
        var secrets = subjects.SelectMany(s => s.Result.Secrets.Select(x => (JsonNode)new JsonObject
        {
            ["where"] = s.Where,
            ["file"] = x.File,
            ["line"] = x.Line?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["rule"] = x.Rule,
            ["severity"] = x.Severity,
        })).ToArray();

        var misconfigurations = subjects.SelectMany(s => s.Result.Misconfigurations.Select(m => (JsonNode)new JsonObject
        {
            ["where"] = s.Where, ["id"] = m.Id, ["file"] = m.File, ["severity"] = m.Severity, ["title"] = m.Title,
        })).ToArray();

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var exceptions = subjects.SelectMany(s => s.Result.Exceptions.Select(x => (JsonNode)new JsonObject
        {
            ["id"] = x.Id,
            ["scope"] = s.Where,
            ["reason"] = x.Reason,
            ["expires"] = x.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["expired"] = x.Expires < today,
        })).ToArray();

        var gates = subjects.Select(s => (JsonNode)new JsonObject
        {
            ["where"] = s.Where,
            ["digest"] = s.Result.Digest is null ? "—" : Display.Short(s.Result.Digest),
            ["gate"] = s.Result.Gate.Passed ? "passed" : "failed",
            ["reason"] = s.Result.Gate.Reason,
            ["counts"] = string.Join(", ", s.Result.Counts.NonZero().Select(c => $"{c.Count} {c.Severity}").DefaultIfEmpty("no findings")),
            ["blocking"] = s.Result.Blocking,
            ["excepted"] = s.Result.Excepted,
            ["ignoredUnfixed"] = s.Result.IgnoredUnfixed,
            ["vulnerabilityScan"] = s.Result.VulnerabilityScan.ToString(),
        }).ToArray();

        var scan = doc.Scan;
        var failed = subjects.FirstOrDefault(s => !s.Result.Gate.Passed);
        return new JsonObject
        {
            ["present"] = source.Present,
            ["from"] = source.From,
            ["absent"] = source.Absent,
            ["gate"] = scan is null ? "" : scan.Passed ? "passed" : "failed",
            ["gateReason"] = scan is null ? "" : failed.Result is not null ? $"{failed.Where}: {failed.Result.Gate.Reason}"
                : scan.Passed ? "no subject was blocked" : "the gate failed without a blocked subject shown here",
            ["settings"] = scan is null ? "" : $"fails on {string.Join(", ", scan.FailOn)}" +
                (scan.IgnoreUnfixed ? " · unfixed findings ignored" : "") +
                (scan.RequireVulnScan ? " · a vulnerability scan is required" : "") + $" · exceptions from {scan.ExceptionsFile}",
            ["vulnerabilityScan"] = ModelJson.Array(subjects.Where(s => !s.Result.VulnerabilityScan.Ran)
                .Select(s => $"{s.Where}: {s.Result.VulnerabilityScan}")),
            ["notShown"] = ModelJson.Array(notShown),
            ["subjects"] = new JsonArray(gates),
            ["counts"] = new JsonArray(counts),
            ["vulnerabilities"] = new JsonArray(vulnerabilities),
            ["secrets"] = new JsonArray(secrets),
            ["misconfigurations"] = new JsonArray(misconfigurations),
            ["exceptions"] = new JsonArray(exceptions),
        };
    }

    static int Count(SeverityCounts c, string severity) => severity switch
    {
        "CRITICAL" => c.Critical, "HIGH" => c.High, "MEDIUM" => c.Medium, "LOW" => c.Low, _ => c.Unknown,
    };

    static int Rank(string severity) => Array.IndexOf(Order, severity.ToUpperInvariant()) is var i and >= 0 ? i : Order.Length;
}
