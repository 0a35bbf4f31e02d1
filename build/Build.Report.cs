using ClusterSnek.Pipeline;
using ClusterSnek.Reports;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Reports.GitHub;
using Serilog;

// Report, VerifyAudit and PublishGitHub close every run (AlwaysLast), in that order; docs/report.md, docs/github.md.
partial class Build
{
    [Parameter("GitHub token for commit statuses, the PR comment and deployments (GitHub Actions only)", EnvironmentVariable = "GITHUB_TOKEN"), Secret]
    public string? GitHubToken { get; set; }

    Target Report => _ => _
        .Description("Render artifacts/report.html (and the GitHub job summary) from the run's record; closes every run")
        .AlwaysLast()
        // Every section but the audit check's, which VerifyAudit writes after the report.
        .Reads([.. Sections.All.Where(s => s.Name != Sections.Audit.Name)])
        .Executes(() =>
        {
            var pipeline = Run.ToDocument();
            PipelineAudit.Seal();
            var audit = PipelineAudit.EntriesSince(Run.StartedAt);
            var html = ReportRenderer.WriteReport(pipeline, ArtifactsDirectory / "report.html", audit);
            var markdown = JobSummary.Write(pipeline, ArtifactsDirectory / "report.md", Environment.GetEnvironmentVariable, audit);
            Log.Information("{Verdict}", Verdict.Of(pipeline).Summary);
            Log.Information("Report: {Html} (Markdown: {Markdown})", html.RelativeTo(RootDirectory), markdown);
        });

    Target VerifyAudit => _ => _
        .Description("Check artifacts/audit.jsonl: hash chain, sequence, head signed by the trust root's key, and against its anchor in the registry; "
            + "then move the anchor forward. An edited, truncated, replaced or deleted log fails the run, named in one line")
        .AlwaysLast()
        .After(Report)
        .Reads(Sections.Charts, Sections.Images)
        .Executes(async ct =>
        {
            var log = PipelineAudit;
            var trust = auditTrust!.Value;
            var (anchor, client, noRegistry) = await AuditAnchorAsync(ct);
            using var _ = client;
            var result = await AuditCheck.RunAsync(log, trust.Key ?? log.PublicKey, anchor, noRegistry, AuditRestart, AuditRelease(), ct);
            var keyId = trust.Key is { } trusted ? AuditSigner.KeyIdOf(trusted) : log.KeyId;
            if (result.Restarted) Log.Warning("--audit-restart: starting a new anchored log although {Verdict}", result.Verdict.Message);
            if (result.Intact && result.Head is { } head) RecordAuditWithGitHubRun(head, result);
            Run.Set(Sections.Audit, new AuditRecord(log.File.RelativeTo(RootDirectory), keyId, result.Local.Entries, result.Intact,
                result.Problems, result.AnchorLine));
            foreach (var problem in result.Problems) Log.Error("{File} {Problem}", log.File.Name, problem);
            if (!result.Intact)
                throw new InvalidOperationException($"{log.File.Name}: audit log TAMPERED: {result.Problems[0]}{LegacyAuditKeyHint(result)}");
            if (!result.Anchored) Log.Warning("{Anchor}", result.AnchorLine);
            Log.Information("{Summary}, head signed by key {KeyId} ({Trust}); {Anchor}", result.Local.Summary, keyId,
                trust.Key is null ? $"checked with this run's own key only: {trust.Description}" : $"trust root: {trust.Description}",
                result.Anchored ? result.AnchorLine : "not anchored");
        });

    Target PublishGitHub => _ => _
        .Description("GitHub Actions only: commit status with the verdict, the PR summary comment (updated in place), a Deployment for Deploy")
        .AlwaysLast()
        .After(Report, VerifyAudit)
        .OnlyWhenDynamic(() => InGitHubActionsWithToken)
        .Reads([.. Sections.All])
        .Executes(async ct =>
        {
            UseAuditLog(); // GitHubPublisher records its updates into the run's log
            var context = GitHubContext.FromEnvironment(Environment.GetEnvironmentVariable, GitHubToken, out var reason)
                ?? throw new InvalidOperationException(reason);
            var pipeline = Run.ToDocument();
            await GitHubPublisher.PublishAsync(context, GitHubToken!, pipeline, ReportRenderer.RenderMarkdown(pipeline), ct);
        });

    Target GenerateSchemas => _ => _
        .Description("Regenerate docs/pipeline.schema.json from the record types in src/ClusterSnek.Record (a test fails when it drifts)")
        .Executes(() =>
        {
            File.WriteAllText(RootDirectory / PipelineSchema.RelativePath, PipelineSchema.Generate());
            Log.Information("{Schema}", PipelineSchema.RelativePath);
        });

    static AbsolutePath RecordedFixtures => RootDirectory / "tests" / "ClusterSnek.Reports.Tests" / "Fixtures";

    Target RecordFixtures => _ => _
        .Description("Copy the last run's own record (artifacts/runs/<n>/pipeline.json) into the report tests' fixtures: pipeline.recorded.json after a verified Deploy, pipeline.rolled-back.json after a rolled-back one")
        .Executes(() =>
        {
            var last = ArtifactsDirectory / "runs" / (Run.Number - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) / "pipeline.json";
            if (!File.Exists(last)) throw new InvalidOperationException($"No record of the last run at {last.RelativeTo(RootDirectory)}: run ./build.sh Deploy first.");
            var document = PipelineDocument.Read(last);
            if (document.Verification is null || document.Target("Verify") is null)
                throw new InvalidOperationException($"Run {document.Run.Number} did not verify a release ({string.Join(" ", document.Run.Requested)}): record after ./build.sh Deploy.");
            var name = document.Verification.Passed ? "pipeline.recorded.json" : "pipeline.rolled-back.json";
            File.Copy(last, RecordedFixtures / name, overwrite: true);
            Log.Information("Recorded run {Run} ({Verdict}) as {Fixture}", document.Run.Number, Verdict.Of(document).Summary, (RecordedFixtures / name).RelativeTo(RootDirectory));
        });

    bool InGitHubActionsWithToken => GitHubContext.FromEnvironment(Environment.GetEnvironmentVariable, GitHubToken, out _) is not null;
}
