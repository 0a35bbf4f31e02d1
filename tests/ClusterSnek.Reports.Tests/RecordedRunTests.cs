using ClusterSnek.Record;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The report on what the writers really write: Fixtures/pipeline.recorded.json is artifacts/pipeline.json of a real run,
/// committed on purpose (re-record it when a writer changes). Skipped, with the reason, until it is committed.
/// </summary>
public sealed class RecordedRunTests
{
    static readonly string File = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pipeline.recorded.json");

    static PipelineDocument Recorded()
    {
        if (!System.IO.File.Exists(File))
            Assert.Skip("Fixtures/pipeline.recorded.json is not committed yet: run ./build.sh Deploy, copy artifacts/pipeline.json " +
                "to tests/ClusterSnek.Reports.Tests/Fixtures/pipeline.recorded.json and commit it.");
        return PipelineDocument.Read(File);
    }

    [Fact]
    public void A_recorded_run_renders_every_verification_check_with_its_outcome_and_nothing_unknown()
    {
        var doc = Recorded();
        var html = ReportRenderer.RenderHtml(doc, Documents.Now);
        var markdown = ReportRenderer.RenderMarkdown(doc, Documents.Now);

        var checks = doc.Verification?.Checks ?? [];
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
