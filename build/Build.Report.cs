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

    /// <summary>Records a side effect (push, signature, deploy...) in the run's hash-chained audit log.</summary>
    static void Audit(string action, string subject, string? digest, string outcome = AuditOutcome.Succeeded) =>
        AuditLog.Record(action, subject, digest, outcome);

    Target Report => _ => _
        .Description("Render artifacts/report.html (and the GitHub job summary) from the run's record; closes every run")
        .AlwaysLast()
        // Every section but the audit check's, which VerifyAudit writes after the report.
        .Reads([.. Sections.All.Where(s => s.Name != Sections.Audit.Name)])
        .Executes(() =>
        {
            var pipeline = Run.ToDocument();
            AuditLog.Current.Seal();
            var audit = AuditLog.Current.EntriesSince(Run.StartedAt);
            var html = ReportRenderer.WriteReport(pipeline, ArtifactsDirectory / "report.html", audit);
            var markdown = JobSummary.Write(pipeline, ArtifactsDirectory / "report.md", Environment.GetEnvironmentVariable, audit);
            Log.Information("{Verdict}", Verdict.Of(pipeline).Summary);
            Log.Information("Report: {Html} (Markdown: {Markdown})", html.RelativeTo(RootDirectory), markdown);
        });

    Target VerifyAudit => _ => _
        .Description("Check artifacts/audit.jsonl: hash chain, sequence and signed head; names the first broken line")
        .AlwaysLast()
        .After(Report)
        .Executes(() =>
        {
            var log = AuditLog.Current;
            var result = AuditVerifier.Verify(log.File, log.HeadFile, log.PublicKey);
            Run.Set(Sections.Audit, new AuditRecord(log.File.RelativeTo(RootDirectory), log.KeyId, result.Entries, result.Intact, result.Problems.Select(p => p.ToString()).ToList()));
            foreach (var problem in result.Problems) Log.Error("{File} {Problem}", log.File.Name, problem);
            if (!result.Intact) throw new InvalidOperationException($"{log.File.Name}: {result.Summary}; first: {result.Problems[0]}");
            Log.Information("{Summary} (key {KeyId})", result.Summary, log.KeyId);
        });

    Target PublishGitHub => _ => _
        .Description("GitHub Actions only: commit status with the verdict, the PR summary comment (updated in place), a Deployment for Deploy")
        .AlwaysLast()
        .After(Report, VerifyAudit)
        .OnlyWhenDynamic(() => InGitHubActionsWithToken)
        .Reads([.. Sections.All])
        .Executes(async ct =>
        {
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
