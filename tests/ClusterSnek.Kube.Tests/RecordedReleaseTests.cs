using ClusterSnek.Pipeline;
using ClusterSnek.Reports;
using ClusterSnek.Reports.GitHub;
using Json.Schema;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// Writer to reader on real output: a real release on the local runtime (real podman, a real image from a real registry)
/// fails Verify and is rolled back; what LocalDeployment returned is recorded through the engine's typed record exactly as
/// the Deploy and Verify targets record it, validated against docs/pipeline.schema.json, and read by the report, the
/// verdict and the GitHub plan. No hand-written record anywhere.
/// </summary>
[Collection("podman")]
public sealed class RecordedReleaseTests(LocalRuntimeFixture fixture) : IClassFixture<LocalRuntimeFixture>
{
    CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_verify_and_its_rollback_reach_the_report_the_verdict_and_the_GitHub_deployment_as_recorded()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-recorded");
        var deployment = fixture.NewDeployment("recorded");
        var record = new RunRecord { Requested = ["Deploy"], Commit = "0123456789abcdef0123456789abcdef01234567" };

        await deployment.DeployAsync(RenderedManifests.Parse(LocalRuntimeFixture.Rendered(web.Service, web.Pinned, port), "test release"),
            [web], fixture.Verified(web), rollback: true, Ct);
        record.Set(Sections.Verification, await deployment.VerifyAsync([web], [new(web.Service, port, "/readyz")], null, TimeSpan.FromSeconds(30), rollback: true, Ct));
        record.Set(Sections.Deployment, await deployment.DeployAsync(
            RenderedManifests.Parse(LocalRuntimeFixture.Rendered(web.Service, web.Pinned, port, "/www"), "test release"), [web], fixture.Verified(web), rollback: true, Ct));
        // Revision 2 answers (a revision that does not never takes over: Deploy waits for it), but not with the digest signed for it.
        var signed = web with { Digest = new Digest("sha256:" + new string('1', 64)) };
        var failure = await Assert.ThrowsAsync<ReleaseFailedException>(() =>
            deployment.VerifyAsync([signed], [new(web.Service, port, "/readyz")], null, TimeSpan.FromSeconds(8), rollback: true, Ct));
        record.Set(Sections.Verification, failure.Verification!);
        record.Targets.Add(new TargetResult("Deploy", TargetStatus.Succeeded, TimeSpan.FromSeconds(2), null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        record.Targets.Add(new TargetResult("Verify", TargetStatus.Failed, TimeSpan.FromSeconds(9), failure.Message, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));

        var file = new AbsolutePath(Path.Combine(Path.GetTempPath(), $"recorded-{Guid.NewGuid():N}", "pipeline.json"));
        record.Write(file);
        var schema = JsonSchema.FromText(File.ReadAllText(Repo.Root / PipelineSchema.RelativePath));
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        Assert.True(schema.Evaluate(json.RootElement).IsValid, "pipeline.json does not validate against docs/pipeline.schema.json");

        var document = PipelineDocument.Read(file);
        var verification = document.Verification!;
        Assert.False(verification.Passed);
        Assert.Contains(verification.Checks, c => c is { Check: "image-digest", Outcome: CheckOutcome.Failed });
        Assert.Contains(verification.Checks, c => c.Outcome == CheckOutcome.NotChecked);
        Assert.Equal((2, 1, true, true), (verification.Rollback!.FromRevision, verification.Rollback.ToRevision, verification.Rollback.Restored, verification.Rollback.VerifiedAfter));
        Assert.NotEmpty(verification.Diagnosis);

        var html = ReportRenderer.RenderHtml(document);
        Assert.DoesNotMatch(@">\s*unknown\s*<", html);
        foreach (var check in verification.Checks) Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(check.Evidence), html);
        Assert.Contains("not checked", html);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(verification.Diagnosis[0].Cause), html);
        Assert.Contains("revision 1", html);
        Assert.Equal(Verdict.Blocked, Verdict.Of(document).State);

        var context = new GitHubContext("octocat", "app", record.Commit!, null, "https://github.com/octocat/app/actions/runs/1", "https://api.github.com");
        var published = Assert.Single(GitHubPlanner.Plan(context, document, ReportRenderer.RenderMarkdown(document), []).OfType<CreateDeployment>());
        Assert.Equal(Octokit.DeploymentState.Failure, published.State);
    }
}
