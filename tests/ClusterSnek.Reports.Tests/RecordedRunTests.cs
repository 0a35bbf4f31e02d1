using ClusterSnek.Record;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The report on what the writers really write: Fixtures/pipeline.recorded.json (a verified Deploy) and
/// pipeline.rolled-back.json (a Deploy whose Verify failed and rolled back) are real runs' own records, copied by
/// <c>./build.sh RecordFixtures</c> and committed on purpose; re-record them when a writer changes, never edit them.
/// </summary>
public sealed class RecordedRunTests
{
    static readonly string File = Fixture("pipeline.recorded.json");

    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    static PipelineDocument Recorded() => PipelineDocument.Read(File);

    // Loaded once: the validator registers a schema by its $id and refuses to register it twice in a process.
    static readonly Lazy<Json.Schema.JsonSchema> Schema = new(() =>
        Json.Schema.JsonSchema.FromText(System.IO.File.ReadAllText(Repo.Root / PipelineSchema.RelativePath)));

    static PipelineDocument RolledBack() => PipelineDocument.Read(Fixture("pipeline.rolled-back.json"));

    [Theory]
    [InlineData("pipeline.recorded.json")]
    [InlineData("pipeline.rolled-back.json")]
    public void A_recorded_run_validates_against_the_generated_schema_with_an_independent_validator(string name)
    {
        var schema = Schema.Value;
        using var json = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(Fixture(name)));
        var result = schema.Evaluate(json.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(5)));
    }

    [Fact]
    public void A_recorded_rollback_shows_the_failed_checks_the_diagnosis_and_the_rollback_and_fails_the_GitHub_deployment()
    {
        var doc = RolledBack();
        var verification = doc.Verification!;
        Assert.False(verification.Passed);
        var rollback = Assert.IsType<RollbackRecord>(verification.Rollback);
        var html = ReportRenderer.RenderHtml(doc, Documents.Now);
        var markdown = ReportRenderer.RenderMarkdown(doc, Documents.Now);

        foreach (var failed in verification.Checks.Where(c => c.Outcome == CheckOutcome.Failed))
            Assert.Contains($"| {failed.Check} | {failed.Subject} | {ReportTests.Outcome(failed.Outcome)} |", markdown);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(verification.Diagnosis[0].Cause), html);
        Assert.Contains($"revision {rollback.FromRevision}", html);
        Assert.Contains($"revision {rollback.ToRevision}", html);
        Assert.DoesNotContain(">unknown<", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Verdict.Blocked, Verdict.Of(doc).State);

        var context = new GitHub.GitHubContext("octocat", "app", doc.Run.Commit!, null, "https://github.com/octocat/app/actions/runs/1", "https://api.github.com");
        var deployment = Assert.Single(GitHub.GitHubPlanner.Plan(context, doc, markdown, []).OfType<GitHub.CreateDeployment>());
        Assert.Equal(Octokit.DeploymentState.Failure, deployment.State);
    }

    [Fact]
    public void A_recorded_run_renders_every_verification_check_with_its_outcome_and_nothing_unknown()
    {
        var doc = Recorded();
        var html = ReportRenderer.RenderHtml(doc, Documents.Now);
        var markdown = ReportRenderer.RenderMarkdown(doc, Documents.Now);

        var checks = doc.Verification!.Checks;
        Assert.NotEmpty(checks);
        var rows = ReportTests.CheckRows(ReportTests.Section(html, "deployment"));
        Assert.Equal(checks.Select(c => (c.Check, c.Subject, ReportTests.Outcome(c.Outcome))), rows);
        foreach (var c in checks)
            Assert.Contains($"| {c.Check} | {c.Subject} | {ReportTests.Outcome(c.Outcome)} |", markdown);

        foreach (var section in new[] { "images", "policies", "deployment" })
            Assert.DoesNotContain("unknown", ReportTests.Section(html, section), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(">unknown<", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_recorded_run_shows_each_image_with_its_own_digest_and_licences()
    {
        var doc = Recorded();
        var images = ReportTests.Section(ReportRenderer.RenderHtml(doc, Documents.Now), "images");
        foreach (var view in doc.ImageViews())
        {
            Assert.Contains($"<tr class=\"image\" data-service=\"{view.Image.Service}\">", images);
            Assert.Contains(view.Image.Digest.Value, images);
            if (view.Sbom is { Licences.Count: > 0 } sbom) Assert.Contains(string.Join(", ", sbom.Licences), images);
        }
    }

    [Fact]
    public void A_recorded_run_shows_the_policy_counts_it_recorded()
    {
        var doc = Recorded();
        var policies = ReportTests.Section(ReportRenderer.RenderHtml(doc, Documents.Now), "policies");
        foreach (var p in doc.Policies ?? [])
            Assert.Contains($"<td>{p.Checks}</td><td>{p.PassedChecks}</td><td>{p.FailedChecks}</td>", policies);
    }
}
