using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports;

/// <summary>
/// Turns pipeline.json into the view the templates render: every section present, each either filled
/// or carrying why it is empty ("not run in this pipeline", or the failure that stopped it).
/// </summary>
public static class ReportModel
{
    static readonly string[] Severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

    /// <param name="now">When exceptions count as expired (tests pin it).</param>
    /// <param name="audit">The audit entries of this run (side effects), when the caller has read them.</param>
    public static JsonObject From(JsonNode pipeline, DateTimeOffset? now = null, IReadOnlyList<Audit.AuditEntry>? audit = null)
    {
        var verdict = Verdict.Of(pipeline);
        var model = new JsonObject
        {
            ["verdict"] = new JsonObject
            {
                ["state"] = verdict.State,
                ["headline"] = verdict.Headline,
                ["summary"] = verdict.Summary,
                ["reasons"] = Array(verdict.Reasons),
                ["caveats"] = Array(verdict.Caveats),
            },
            ["run"] = Run(pipeline),
            ["timeline"] = Timeline.Of(pipeline),
            ["images"] = Images(pipeline),
            ["findings"] = Findings.Of(pipeline, now ?? DateTimeOffset.UtcNow),
            ["policies"] = Policies(pipeline),
            ["deployment"] = Deployment(pipeline),
            ["verification"] = Verification(pipeline),
            ["audit"] = new JsonArray((audit ?? []).Select(e => (JsonNode)new JsonObject
            {
                ["seq"] = e.Seq, ["time"] = e.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture), ["target"] = e.Target,
                ["action"] = e.Action, ["subject"] = e.Subject, ["digest"] = JsonRead.ShortDigest(e.Digest), ["outcome"] = e.Outcome,
                ["state"] = Status.IsSuccess(e.Outcome) ? "pass" : "fail",
            }).ToArray()),
            ["parameters"] = new JsonArray((pipeline.At("parameters") as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => (JsonNode)new JsonObject { ["name"] = p.Key, ["value"] = Display(p.Value) }).ToArray()),
            ["tools"] = new JsonArray(pipeline.Objects("tools").Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Str("name"), ["version"] = t.Str("version"), ["path"] = t.Str("path"),
            }).ToArray()),
        };
        // Last line of defence: the model is what every output is rendered from.
        return (JsonNode.Parse(Redactor.Redact(model.ToJsonString())) as JsonObject)!;
    }

    internal static JsonArray Array(IEnumerable<string?> items) => new(items.Select(i => (JsonNode?)i).ToArray());

    /// <summary>Why a section is empty: the producing target's failure, or that it did not run at all.</summary>
    internal static string Absence(JsonNode pipeline, params string[] producers)
    {
        foreach (var name in producers)
        {
            var t = pipeline.Objects("targets").FirstOrDefault(t => t.Str("name") == name);
            if (t is null) continue;
            var status = t.Str("status");
            if (status == "Succeeded" || status == "Cached") return $"{name} {status!.ToLowerInvariant()} but recorded nothing here";
            return $"{name} {Words(status)}{(t.Str("reason") is { } r ? ": " + r : "")}";
        }
        return $"not run in this pipeline ({string.Join(" / ", producers)} was not part of it)";
    }

    static string Words(string? status) => status switch
    {
        "NotRun" => "did not run",
        "Failed" => "failed",
        "Skipped" => "was skipped",
        _ => status?.ToLowerInvariant() ?? "?",
    };

    static string? Display(JsonNode? value) => value switch
    {
        null => null,
        JsonArray a => string.Join(", ", a.Select(x => x?.ToString())),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    static JsonObject Run(JsonNode p)
    {
        var commit = p.Str("run", "commit");
        var parameters = p.At("parameters");
        var user = p.Str("run", "user");
        var host = p.Str("run", "host");
        return new JsonObject
        {
            ["commit"] = commit ?? "unknown (not a git checkout)",
            ["commitShort"] = commit is { Length: > 12 } ? commit[..12] : commit ?? "unknown",
            ["branch"] = p.Str("run", "branch"),
            ["environment"] = parameters.FirstStr("env", "Env") ?? "—",
            ["duration"] = JsonRead.Duration(p.Long("run", "durationMs")),
            ["startedAt"] = p.Time("run", "startedAt")?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            ["who"] = user is null ? "unknown" : user + (host is null ? "" : "@" + host),
            ["where"] = (p.Str("run", "ci") ?? "local") + (p.Str("run", "os") is { } os ? " · " + os : ""),
            ["requested"] = string.Join(" ", p.Strings("run", "requested")),
            // The report renders inside the run, before the exit code exists: derive it from the targets so far.
            ["exitCode"] = p.Long("run", "exitCode")?.ToString(CultureInfo.InvariantCulture)
                ?? (p.Objects("targets").Any(t => t.Str("status") is "Failed" or "NotRun") ? "1" : "0"),
        };
    }

    static JsonObject Images(JsonNode p)
    {
        var rows = p.Objects("images").Select(i =>
        {
            var signature = i.At("signature");
            var licences = i.At("sbom", "licences") ?? i.At("sbom", "licenses");
            var scan = i.At("scan");
            var counts = Severities.Select(s => (s, n: scan.Long(s.ToLowerInvariant()) ?? 0)).Where(x => x.n > 0).Select(x => $"{x.n} {x.s.ToLowerInvariant()}");
            return (JsonNode)new JsonObject
            {
                ["service"] = i.Str("service"),
                ["reference"] = i.Str("reference") + (i.Str("tag") is { } tag ? ":" + tag : ""),
                ["digest"] = i.Str("digest"),
                ["digestShort"] = JsonRead.ShortDigest(i.Str("digest")),
                ["sizeText"] = JsonRead.Size(i.Long("sizeBytes")),
                ["buildTime"] = JsonRead.Duration(i.Long("buildMs")),
                ["signed"] = signature is not null,
                ["signer"] = signature is null ? "not signed" : signature.FirstStr("keyId", "identity", "issuer") ?? "signed",
                ["sbom"] = i.Long("sbom", "components") is { } c ? $"{c} components" : i.At("sbom") is null ? "no SBOM" : "SBOM",
                ["licences"] = licences is JsonArray a ? string.Join(", ", a.Select(x => x is JsonObject o ? o.FirstStr("id", "name") : x?.ToString())) : licences is JsonObject lo ? string.Join(", ", lo.Select(kv => $"{kv.Key} ({kv.Value})")) : "",
                ["scan"] = scan is null ? "not scanned" : string.Join(", ", counts.DefaultIfEmpty(scan.Str("vulnerabilityScan") ?? "no findings")),
                ["gate"] = Gate.Of(scan).State,
            };
        }).ToArray();
        return Section(rows, Absence(p, "BuildImages"));
    }

    internal static JsonObject Section(JsonNode?[] rows, string absent) => new()
    {
        ["present"] = rows.Length > 0,
        ["absent"] = absent,
        ["rows"] = new JsonArray(rows),
    };

    static JsonObject Policies(JsonNode p)
    {
        var policies = p.Objects("policies").ToList();
        var environments = policies.Select(Verdict.PolicyEnvironment).ToList();
        var results = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var env in policies)
        {
            var name = Verdict.PolicyEnvironment(env);
            foreach (var r in env.Objects("results"))
                Cell(r.FirstStr("policy", "name", "check") ?? "?", name, Status.IsFailure(r.FirstStr("status", "result")) || r.Bool("passed") == false ? "fail" : r.Bool("exception") == true ? "exception" : "pass");
            foreach (var v in env.Objects("violations"))
                Cell(v.FirstStr("policy", "rule", "check") ?? "?", name, v.Bool("excepted") == true || v.Str("exception") is not null ? "exception" : "fail");
        }
        void Cell(string policy, string env, string state)
        {
            if (!results.TryGetValue(policy, out var row)) results[policy] = row = [];
            if (row.GetValueOrDefault(env) != "fail") row[env] = state;
        }
        return new JsonObject
        {
            ["present"] = policies.Count > 0,
            ["absent"] = Absence(p, "PolicyTest"),
            ["environments"] = Array(environments),
            ["summary"] = new JsonArray(policies.Select(e => (JsonNode)new JsonObject
            {
                ["environment"] = Verdict.PolicyEnvironment(e),
                ["checks"] = e.Long("checks") ?? 0, ["passed"] = e.Long("passed") ?? 0,
                ["failed"] = e.Long("failed") ?? 0, ["exceptions"] = e.At("exceptions") is JsonArray x ? x.Count : e.Long("exceptions") ?? 0,
            }).ToArray()),
            ["matrix"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
            {
                ["policy"] = r.Key,
                ["cells"] = new JsonArray(environments.Select(e => (JsonNode)(r.Value.GetValueOrDefault(e) ?? "pass")).ToArray()),
            }).ToArray()),
            ["violations"] = new JsonArray(policies.SelectMany(e => e.Objects("violations").Select(v => (JsonNode)new JsonObject
            {
                ["environment"] = Verdict.PolicyEnvironment(e),
                ["policy"] = v.FirstStr("policy", "rule", "check"),
                ["resource"] = v.FirstStr("resource", "object", "file"),
                ["message"] = v.FirstStr("message", "msg", "reason"),
            })).ToArray()),
        };
    }

    static JsonObject Deployment(JsonNode p)
    {
        var d = p.At("deployment") as JsonObject;
        var fields = d is null ? [] : new[] { "environment", "release", "revision", "chart", "namespace", "runtime", "status", "startedAt" }
            .Where(f => d.Str(f) is not null)
            .Select(f => (JsonNode)new JsonObject { ["name"] = f, ["value"] = d.Str(f) }).ToArray();
        var rollback = d?.At("rollback") as JsonObject;
        var diagnosis = d?.At("diagnosis") switch
        {
            JsonArray a => a.Select(x => x is JsonObject o ? string.Join(" · ", o.Select(kv => $"{kv.Key}: {kv.Value}")) : x?.ToString()),
            JsonValue v => [v.ToString()],
            JsonObject o => o.Select(kv => $"{kv.Key}: {kv.Value}"),
            _ => [],
        };
        return new JsonObject
        {
            ["present"] = d is not null,
            ["absent"] = Absence(p, "Deploy"),
            ["fields"] = new JsonArray(fields),
            ["rollback"] = rollback is null ? null : string.Join(" · ", rollback.Select(kv => $"{kv.Key}: {kv.Value}")),
            ["diagnosis"] = Array(diagnosis.Concat(p.Objects("verification").Select(v => v.Str("diagnosis")).Where(x => x is not null))),
        };
    }

    static JsonObject Verification(JsonNode p)
    {
        var rows = p.Objects("verification").Select(v => (JsonNode)new JsonObject
        {
            ["check"] = v.FirstStr("check", "name"),
            ["status"] = v.Str("status") ?? "unknown",
            ["state"] = Status.IsFailure(v.Str("status")) ? "fail" : Status.IsSuccess(v.Str("status")) ? "pass" : "other",
            ["evidence"] = v.At("evidence") is JsonValue ev ? ev.ToString() : v.At("evidence")?.ToJsonString(),
        }).ToArray();
        return Section(rows, Absence(p, "Verify"));
    }
}
