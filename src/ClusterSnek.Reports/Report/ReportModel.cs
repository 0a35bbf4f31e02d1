using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Record;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports;

/// <summary>
/// Turns the typed run record into the view the templates render: every section present, each either filled (and labelled
/// when it was carried from an earlier run) or carrying why it is empty ("not run in this pipeline", or the writer's failure).
/// </summary>
public static class ReportModel
{
    /// <summary>The engine's name for the --env parameter, shown when the run recorded no deployment.</summary>
    const string EnvParameter = "Env";

    /// <param name="doc">The run record.</param>
    /// <param name="now">When exceptions count as expired (tests pin it).</param>
    /// <param name="audit">The audit entries of this run (side effects), when the caller has read them.</param>
    public static JsonObject From(PipelineDocument doc, DateTimeOffset? now = null, IReadOnlyList<AuditEntry>? audit = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var verdict = Verdict.Of(doc);
        var model = new JsonObject
        {
            ["verdict"] = new JsonObject
            {
                ["state"] = verdict.State,
                ["headline"] = verdict.Headline,
                ["summary"] = verdict.Summary,
                ["reasons"] = ModelJson.Array(verdict.Reasons),
                ["caveats"] = ModelJson.Array(verdict.Caveats),
            },
            ["run"] = Run(doc),
            ["carried"] = ModelJson.Array(SectionSource.Grouped(doc.Carried)
                .Select(g => $"{g.Names} {(g.Plural ? "are" : "is")} {g.Label}")),
            ["timeline"] = Timeline.Of(doc),
            ["images"] = Images(doc),
            ["findings"] = Findings.Of(doc, now ?? DateTimeOffset.UtcNow),
            ["policies"] = Policies(doc),
            ["deployment"] = Deployment(doc),
            ["verification"] = Verification(doc),
            ["failure"] = Failure(doc),
            ["audit"] = new JsonArray((audit ?? []).Select(e => (JsonNode)new JsonObject
            {
                ["seq"] = e.Seq, ["time"] = e.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture), ["target"] = e.Target,
                ["action"] = e.Action, ["subject"] = e.Subject,
                ["digest"] = Digest.TryParse(e.Digest, out var d) ? Display.Short(d) : e.Digest,
                ["outcome"] = e.Outcome, ["state"] = e.Outcome == AuditOutcome.Succeeded ? "pass" : "fail",
            }).ToArray()),
            ["parameters"] = new JsonArray(doc.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => (JsonNode)new JsonObject { ["name"] = p.Key, ["value"] = Value(p.Value) }).ToArray()),
            ["tools"] = new JsonArray(doc.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name, ["version"] = t.Version, ["path"] = t.Path,
            }).ToArray()),
        };
        // Last line of defence: the model is what every output is rendered from.
        return (JsonObject)ModelJson.Redacted(model)!;
    }

    /// <summary>The environment of the run: the deployment's, else the --env parameter as the run recorded it.</summary>
    internal static string? EnvironmentOf(PipelineDocument doc) =>
        doc.Deployment?.Environment ?? Value(doc.Parameters.GetValueOrDefault(EnvParameter));

    static string? Value(JsonNode? value) => value switch
    {
        null => null,
        JsonArray a => string.Join(", ", a.Select(x => x?.ToString())),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    static JsonObject Section(SectionSource source) => new()
    {
        ["present"] = source.Present,
        ["from"] = source.From,
        ["absent"] = source.Absent,
    };

    static JsonObject Run(PipelineDocument doc)
    {
        var run = doc.Run;
        return new JsonObject
        {
            ["number"] = run.Number,
            ["commit"] = run.Commit ?? "none (not a git checkout)",
            ["commitShort"] = run.Commit is null ? "no commit" : Display.ShortCommit(run.Commit, 12),
            ["branch"] = run.Branch,
            ["environment"] = EnvironmentOf(doc) ?? "—",
            ["duration"] = Display.Duration(run.DurationMs),
            ["startedAt"] = Display.Time(run.StartedAt),
            ["who"] = $"{run.User}@{run.Host}",
            ["where"] = (run.Ci ?? "local") + " · " + run.Os,
            ["requested"] = string.Join(" ", run.Requested),
            // The report renders inside the run, before the exit code exists: derive it from the targets so far.
            ["exitCode"] = run.ExitCode?.ToString(CultureInfo.InvariantCulture)
                ?? (doc.Targets.Any(t => t.Status is TargetStatus.Failed or TargetStatus.NotRun) ? "1" : "0"),
        };
    }

    static JsonObject Images(PipelineDocument doc)
    {
        var signer = doc.Signing switch
        {
            null => null,
            { Signer: SignerKind.CosignKeyless } s => "keyless" + (s.Issuer is null ? "" : " (" + s.Issuer + ")"),
            var s => s.KeyId ?? "key " + s.PublicKey,
        };
        var rows = doc.ImageViews().Select(v => (JsonNode)new JsonObject
        {
            ["service"] = v.Image.Service,
            ["reference"] = v.Image.Tagged,
            ["digest"] = v.Image.Digest.Value,
            ["digestShort"] = Display.Short(v.Image.Digest),
            ["sizeText"] = Display.Size(v.Image.SizeBytes),
            ["buildTime"] = Display.Duration(v.Image.BuildMs),
            ["smoke"] = v.Image.Smoke switch
            {
                null => "not smoke-tested",
                { Passed: true } s => $"passed as {s.User} in {Display.Duration(s.HealthyAfterMs)}",
                var s => "failed: " + s.Failure,
            },
            ["signed"] = v.Signature is not null,
            ["signer"] = v.Signature is null ? "not signed" : signer ?? "signed",
            ["signatureVerified"] = v.Verification switch
            {
                null => "not verified",
                { Passed: true } => "verified",
                var x => "did not verify: " + string.Join("; ", x.Reasons),
            },
            ["sbom"] = v.Sbom is null ? "no SBOM" : $"{v.Sbom.Components} components",
            ["licences"] = v.Sbom is null ? "no SBOM" : v.Sbom.Licences.Count == 0 ? "none named" : string.Join(", ", v.Sbom.Licences),
            ["scan"] = v.Scan is null ? "not scanned"
                : string.Join(", ", v.Scan.Counts.NonZero().Select(c => $"{c.Count} {c.Severity}")
                    .DefaultIfEmpty(v.Scan.VulnerabilityScan.Ran ? "no findings" : "vulnerabilities " + v.Scan.VulnerabilityScan)),
            ["gate"] = v.Scan is null ? "not scanned" : v.Scan.Gate.Passed ? "passed" : "failed",
        }).ToArray();
        var model = Section(SectionSource.Of(doc, Sections.Images));
        model["rows"] = new JsonArray(rows);
        // The columns come from five sections; each one carried from an earlier run says so under the table.
        var columns = new ISection[] { Sections.Scan, Sections.Sbom, Sections.Signing, Sections.SignatureVerification }
            .Select(s => SectionSource.Of(doc, s)).Where(s => s.Carried is not null).Select(s => s.Carried!);
        model["notes"] = ModelJson.Array(SectionSource.Grouped(columns).Select(g => $"{g.Names}: {g.Label}"));
        return model;
    }

    static JsonObject Policies(PipelineDocument doc)
    {
        var policies = doc.Policies ?? [];
        var environments = policies.Select(p => p.Environment).ToList();
        var matrix = policies.SelectMany(p => p.Violations).Select(v => v.Policy).Distinct().Order(StringComparer.Ordinal)
            .Select(policy => (JsonNode)new JsonObject
            {
                ["policy"] = policy,
                ["cells"] = ModelJson.Array(policies.Select(p => p.Violations.Where(v => v.Policy == policy).ToList() switch
                {
                    { Count: 0 } => "pass",
                    var found when found.All(v => v.Excepted) => "exception",
                    _ => "fail",
                })),
            }).ToArray();
        var model = Section(SectionSource.Of(doc, Sections.Policies));
        model["environments"] = ModelJson.Array(environments);
        model["summary"] = new JsonArray(policies.Select(p => (JsonNode)new JsonObject
        {
            ["environment"] = p.Environment,
            ["result"] = p.Passed ? "passed" : "failed",
            ["checks"] = p.Checks,
            ["passed"] = p.PassedChecks,
            ["failed"] = p.FailedChecks,
            ["exceptions"] = p.ExceptionsUsed.Count,
            ["notes"] = string.Join(" · ", new[]
            {
                p.PlaceholderDigests ? "placeholder image digests" : null,
                p.DisabledChecks.Count > 0 ? "disabled: " + string.Join(", ", p.DisabledChecks) : null,
            }.OfType<string>()),
        }).ToArray());
        model["matrix"] = new JsonArray(matrix);
        model["violations"] = new JsonArray(policies.SelectMany(p => p.Violations.Select(v => (JsonNode)new JsonObject
        {
            ["environment"] = p.Environment,
            ["policy"] = v.Policy,
            ["severity"] = v.Severity,
            ["resource"] = v.Resource,
            ["field"] = v.Field,
            ["message"] = v.Message,
            ["fix"] = v.Fix,
            ["excepted"] = v.Excepted,
        })).ToArray());
        model["exceptionsUsed"] = ModelJson.Array(policies.SelectMany(p => p.ExceptionsUsed.Select(x => $"{p.Environment}: {x}")));
        return model;
    }

    static JsonObject Deployment(PipelineDocument doc)
    {
        var d = doc.Deployment;
        var fields = d is null ? [] : new (string Name, string? Value)[]
        {
            ("environment", d.Environment), ("runtime", d.Runtime.ToString().ToLowerInvariant()), ("namespace", d.Namespace),
            ("release", d.Release), ("revision", d.Revision.ToString(CultureInfo.InvariantCulture)),
            ("status", d.Status switch { DeploymentStatus.RolledBack => "rolled back", var s => s.ToString().ToLowerInvariant() }),
            ("changed", d.Changed ? "yes" : "no (same release as before)"), ("chart", d.ChartVersion), ("kube context", d.KubeContext),
            ("manifests", d.Manifests), ("duration", Display.Duration(d.DurationMs)), ("failure", d.Failure),
        }.Where(f => !string.IsNullOrEmpty(f.Value))
            .Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["value"] = f.Value }).ToArray();
        var images = doc.Images ?? [];
        var model = Section(SectionSource.Of(doc, Sections.Deployment));
        model["fields"] = new JsonArray(fields);
        model["images"] = new JsonArray((d?.Images ?? []).Select(i => (JsonNode)new JsonObject
        {
            ["service"] = i.Service,
            ["pinned"] = $"{i.Reference}@{Display.Short(i.Digest)}",
            // A deployed digest that is not among the record's images (e.g. an earlier build) is said, not hidden.
            ["note"] = images.Any(x => x.Service == i.Service && x.Digest == i.Digest) ? "" : "not an image of this record",
        }).ToArray());
        model["urls"] = new JsonArray((d?.Urls ?? [])
            .Select(u => (JsonNode)new JsonObject { ["service"] = u.Service, ["url"] = u.Url }).ToArray());
        return model;
    }

    static JsonNode Check(VerificationCheck c) => new JsonObject
    {
        ["check"] = c.Check,
        ["subject"] = c.Subject,
        ["outcome"] = Display.Words(c.Outcome),
        ["state"] = Display.Css(c.Outcome),
        ["evidence"] = c.Evidence,
    };

    static JsonObject Verification(PipelineDocument doc)
    {
        var v = doc.Verification;
        var model = Section(SectionSource.Of(doc, Sections.Verification));
        model["result"] = v is null ? "" : v.Passed ? "passed" : "failed";
        model["revision"] = v?.Revision;
        model["runtime"] = v?.Runtime.ToString().ToLowerInvariant();
        model["counts"] = v is null ? "" : string.Join(" · ", new[] { CheckOutcome.Passed, CheckOutcome.Failed, CheckOutcome.NotChecked }
            .Select(o => $"{v.Count(o)} {Display.Words(o)}"));
        model["rows"] = new JsonArray((v?.Checks ?? []).Select(Check).ToArray());
        return model;
    }

    /// <summary>What went wrong with the release and what was done about it: failed checks, diagnosis, rollbacks.</summary>
    static JsonObject Failure(PipelineDocument doc)
    {
        var failed = (doc.Verification?.Checks ?? []).Where(c => c.Outcome == CheckOutcome.Failed).Select(Check).ToArray();
        var diagnosis = (doc.Verification?.Diagnosis ?? []).Select(f => (Writer: Sections.Verification.Writer, Finding: f))
            .Concat((doc.Deployment?.Diagnosis ?? []).Select(f => (Writer: Sections.Deployment.Writer, Finding: f)))
            .Select(x => (JsonNode)new JsonObject
            {
                ["by"] = x.Writer,
                ["subject"] = x.Finding.Subject,
                ["cause"] = x.Finding.Cause,
                ["evidence"] = x.Finding.Evidence,
                ["fix"] = x.Finding.Fix ?? "no fix known",
            }).ToArray();
        var rollbacks = Verdict.Rollbacks(doc).Select(r => (JsonNode)new JsonObject
        {
            ["by"] = r.Section.Writer,
            ["from"] = SectionSource.Of(doc, r.Section).From,
            ["line"] = Verdict.RollbackLine(r.Record),
            ["fromRevision"] = r.Record.FromRevision,
            ["toRevision"] = r.Record.ToRevision?.ToString(CultureInfo.InvariantCulture) ?? "none",
            ["reason"] = r.Record.Reason,
            ["restored"] = r.Record.Restored ? "restored" : "not restored",
            ["verifiedAfter"] = Display.Yes(r.Record.VerifiedAfter,
                "the restored revision verified", "the restored revision did NOT verify", "the restored revision was not verified"),
            ["verifiedState"] = Display.Yes(r.Record.VerifiedAfter, "pass", "fail", "notchecked"),
            ["summary"] = r.Record.Summary,
            ["at"] = Display.Time(r.Record.At),
        }).ToArray();
        var deployFailure = doc.Deployment is { } d && (d.Status == DeploymentStatus.Failed || d.Failure is not null)
            ? d.Failure ?? "Deploy recorded a failed deployment without its failure" : null;
        return new JsonObject
        {
            ["present"] = failed.Length > 0 || diagnosis.Length > 0 || rollbacks.Length > 0 || deployFailure is not null
                || doc.Verification is { Passed: false },
            ["deployFailure"] = deployFailure,
            ["verifyFailed"] = doc.Verification is { Passed: false },
            ["checks"] = new JsonArray(failed),
            ["diagnosis"] = new JsonArray(diagnosis),
            ["rollbacks"] = new JsonArray(rollbacks),
            ["afterRollback"] = new JsonArray((doc.Verification?.AfterRollback ?? []).Select(Check).ToArray()),
        };
    }
}
