using ClusterSnek.Images.Distribution;
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
            var local = AuditVerifier.Verify(log.File, log.HeadFile, trust.Key ?? log.PublicKey);
            var keyId = trust.Key is { } trusted ? AuditSigner.KeyIdOf(trusted) : log.KeyId;
            var (anchor, client, unreachable) = await AuditAnchorAsync(ct);
            using var _ = client;
            AnchorVerdict verdict;
            AnchoredLog? anchored = null;
            if (anchor is null) verdict = AnchorVerdict.Unreachable(Registry ?? "embedded", unreachable);
            else
            {
                try { anchored = await anchor.FetchAsync(ct); verdict = AuditAnchorCheck.Compare(log.File, log.HeadFile, anchored, trust.Key ?? log.PublicKey); }
                catch (RegistryException e) { verdict = AnchorVerdict.Unreachable(anchor.Reference.Registry, e.Message); anchor = null; }
            }
            var restart = !verdict.Holds && AuditRestart && local.Intact && verdict.State != AnchorState.ForgedAnchor;
            if (restart) Log.Warning("--audit-restart: starting a new anchored log although {Verdict}", verdict.Message);
            var problems = local.Problems.Select(p => p.ToString()).ToList();
            if (!verdict.Holds && !restart) problems.Insert(0, verdict.Message);
            var intact = problems.Count == 0;
            var anchorLine = verdict.Message;
            var anchoredNow = false;
            if (intact && anchor is not null && log.Snapshot() is { } snapshot)
            {
                anchoredNow = true;
                var digest = await anchor.PushAsync(snapshot.Log, snapshot.Head, AuditRelease(), restart ? anchored?.Head.Head : null, ct: ct);
                anchorLine = $"anchored at {anchor.Reference}@{digest.Value} ({(restart ? "restarted" : verdict.Message)})";
                RecordAuditWithGitHubRun($"{snapshot.Head.Entries} entries, head `{snapshot.Head.Head}`, signed by key `{snapshot.Head.KeyId}`, {anchorLine}",
                    new Dictionary<string, string> { ["audit-head"] = snapshot.Head.Head, ["audit-anchor"] = $"{anchor.Reference}@{digest.Value}" });
            }
            else if (intact && log.Snapshot() is { } unanchored)
                RecordAuditWithGitHubRun($"{unanchored.Head.Entries} entries, head `{unanchored.Head.Head}`, signed by key `{unanchored.Head.KeyId}`; {anchorLine}",
                    new Dictionary<string, string> { ["audit-head"] = unanchored.Head.Head });
            Run.Set(Sections.Audit, new AuditRecord(log.File.RelativeTo(RootDirectory), keyId, local.Entries, intact, problems, anchorLine));
            foreach (var problem in problems) Log.Error("{File} {Problem}", log.File.Name, problem);
            if (!intact)
                throw new InvalidOperationException($"{log.File.Name}: audit log TAMPERED: {problems[0]}");
            if (!anchoredNow) Log.Warning("{Anchor}", anchorLine);
            Log.Information("{Summary}, head signed by key {KeyId} ({Trust}); {Anchor}", local.Summary, keyId,
                trust.Key is null ? $"checked with this run's own key only: {trust.Description}" : $"trust root: {trust.Description}",
                anchoredNow ? anchorLine : "not anchored");
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
