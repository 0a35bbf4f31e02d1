namespace ClusterSnek.Kube.Tests;

/// <summary>The podman local runtime end to end, for real: a real image from a real registry, run by podman kube play.</summary>
[Collection("podman")]
public sealed class LocalRuntimeTests(LocalRuntimeFixture fixture) : IClassFixture<LocalRuntimeFixture>
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    CancellationToken Ct => TestContext.Current.CancellationToken;

    // Each test runs its own app name: pods are named after their Deployment, and the tests share one podman storage.
    static RenderedManifests Release(PinnedImage image, int port, string? www = null) =>
        RenderedManifests.Parse(LocalRuntimeFixture.Rendered(image.Service, image.Pinned, port, www), "test release");

    static IReadOnlyList<ServiceEndpoint> Endpoints(PinnedImage image, int port) => [new(image.Service, port, "/readyz")];

    [Fact]
    public async Task A_deployed_release_passes_Verify_with_live_evidence_and_lists_cluster_checks_as_not_checked()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-verify");
        var deployment = fixture.NewDeployment("dev");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);
        var deployed = clock.Elapsed;

        var report = await deployment.VerifyAsync([web], Endpoints(web, port), new ChainProbe(web.Service, ChainProbe.DefaultPath), Deadline, rollback: true, Ct);

        // Wall times for docs/performance.md (reported, never asserted).
        TestContext.Current.TestOutputHelper?.WriteLine($"Deploy {deployed.TotalMilliseconds:0} ms, Verify {(clock.Elapsed - deployed).TotalMilliseconds:0} ms");
        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Checks, c => c is { Check: "image-digest", Outcome: CheckOutcome.Passed } && c.Evidence.Contains(fixture.Image.Digest));
        Assert.Contains(report.Checks, c => c is { Check: "security-context", Outcome: CheckOutcome.Passed } && c.Evidence.StartsWith("uid 65532, read-only rootfs"));
        Assert.Contains(report.Checks, c => c is { Check: "ready-endpoint", Outcome: CheckOutcome.Passed } && c.Evidence.Contains($"127.0.0.1:{port}/readyz → 200"));
        Assert.Contains(report.Checks, c => c is { Check: "chain", Outcome: CheckOutcome.Passed });
        // The release's helm test Pod, run to completion in podman against the Service's URL on loopback.
        Assert.True(report.Checks.Any(c => c is { Check: LocalTestHooks.Check, Subject: "web-verify", Outcome: CheckOutcome.Passed }
            && c.Evidence.StartsWith($"Pod/web-verify-test: /bin/busybox wget -q -O /dev/null http://127.0.0.1:{port}/healthz → exit 0", StringComparison.Ordinal)),
            string.Join("\n", report.Checks.Select(c => $"{c.Check} {c.Subject} {c.Outcome}: {c.Evidence}")));
        var manifests = await File.ReadAllTextAsync(deployment.Runtime.History.ManifestsOf(1), Ct);
        Assert.DoesNotContain(LocalRuntimeFixture.SecretValue, manifests);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(LocalRuntimeFixture.SecretValue)), manifests);
        // The test image's /healthz states no identity, so service-identity is not checked either (never passed).
        Assert.Equal(ClusterOnlyChecks.Names.Append(ServiceIdentityCheck.Name).Order(), report.Checks.Where(c => c.Outcome == CheckOutcome.NotChecked).Select(c => c.Check).Order());
    }

    [Fact]
    public async Task A_test_hook_that_exits_non_zero_fails_its_check_with_what_it_printed()
    {
        var port = TestImage.FreePort(); // nothing listens there
        var hook = new LocalTestHook("web-test", "web", $"{fixture.Image.Reference}@{fixture.Image.Digest}",
            ["/bin/busybox", "wget", "-q", "-O", "/dev/null", $"http://web:{port}/healthz"], [], "65532", LocalTestHooks.PodmanMemory("32Mi"));

        var check = Assert.Single(await new LocalTestHooks(fixture.Podman).RunAsync([hook], ["web"], Ct));

        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.StartsWith($"Pod/web-test: /bin/busybox wget -q -O /dev/null http://127.0.0.1:{port}/healthz → exit 1: ", check.Evidence, StringComparison.Ordinal);
        Assert.Contains("refused", check.Evidence, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_revision_that_never_gets_ready_never_takes_over_and_the_previous_one_keeps_serving()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-ready");
        var deployment = fixture.NewDeployment("staging");
        await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);
        await deployment.VerifyAsync([web], Endpoints(web, port), null, Deadline, rollback: true, Ct);

        var failure = await Assert.ThrowsAsync<ReleaseFailedException>(() =>
            deployment.DeployAsync(Release(web, port, www: "/nothing-here"), [web], fixture.Verified(web), rollback: true, Ct));

        Assert.Contains("Deploy of revision 2 failed", failure.Message);
        // busybox httpd exits when its folder is missing: the new pod never runs; the analyzers name the missing file.
        Assert.Contains("web-ready: a file it", failure.Message);
        Assert.Contains("revision 1 kept serving", failure.Message);
        Assert.Equal(DeploymentStatus.RolledBack, failure.Deployment!.Status);
        Assert.Equal(1, deployment.Runtime.History.Current!.Revision);
        Assert.Equal(RevisionStatus.Failed, deployment.Runtime.History.Read(2).Status);
        using var answer = await fixture.Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), Ct);
        Assert.True(answer.IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_revision_failing_Verify_is_rolled_back_and_the_previous_revision_answers_again()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-verify-fail");
        var deployment = fixture.NewDeployment("verify-fail");
        await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);
        await deployment.VerifyAsync([web], Endpoints(web, port), null, Deadline, rollback: true, Ct);
        await deployment.DeployAsync(Release(web, port, www: "/www"), [web], fixture.Verified(web), rollback: true, Ct);
        // Revision 2 answers, but it is not running what was signed for it: Verify's digest check fails.
        var other = web with { Digest = new Digest("sha256:" + new string('1', 64)) };

        var failure = await Assert.ThrowsAsync<ReleaseFailedException>(() =>
            deployment.VerifyAsync([other], Endpoints(web, port), null, Deadline, rollback: true, Ct));

        Assert.Contains("Verify failed for revision 2", failure.Message);
        Assert.Contains("rolled back to revision 1, which verifies again", failure.Message);
        Assert.Equal(1, deployment.Runtime.History.Current!.Revision);
        using var answer = await fixture.Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), Ct);
        Assert.True(answer.IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_release_whose_image_cannot_be_pulled_fails_Deploy_and_the_previous_revision_keeps_serving()
    {
        var (port, alphaPort) = (LocalRuntimeFixture.Port(), LocalRuntimeFixture.Port());
        var alpha = fixture.App("alpha-pull");
        var web = fixture.App("web-pull");
        RenderedManifests TwoApps(PinnedImage image) => RenderedManifests.Parse(
            LocalRuntimeFixture.Rendered(alpha.Service, alpha.Pinned, alphaPort) + "\n" + LocalRuntimeFixture.Rendered(web.Service, image.Pinned, port), "test release");
        var deployment = fixture.NewDeployment("pull");
        await deployment.DeployAsync(TwoApps(web), [alpha, web], fixture.Verified(alpha, web), rollback: true, Ct);
        // Signed and verified, but gone from the registry: kube play starts alpha, then cannot pull web.
        var missing = new PinnedImage(web.Service, fixture.Image.Reference, new Digest("sha256:" + new string('0', 64)));

        var failure = await Assert.ThrowsAsync<ReleaseFailedException>(() =>
            deployment.DeployAsync(TwoApps(missing), [alpha, missing], fixture.Verified(alpha, missing), rollback: true, Ct));

        Assert.Contains("web-pull: image cannot be pulled", failure.Message);
        Assert.Contains("revision 1 kept serving", failure.Message);
        var report = await deployment.VerifyAsync([alpha, web], [.. Endpoints(web, port), new(alpha.Service, alphaPort, "/readyz")], null, Deadline, rollback: false, Ct);
        Assert.True(report.Passed, report.Summary);
    }

    [Fact]
    public async Task A_second_deploy_of_the_same_release_creates_no_new_revision()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-same");
        var deployment = fixture.NewDeployment("same");
        var first = await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);

        var second = await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Equal(first.Revision, second.Revision);
        Assert.Single(deployment.Runtime.History.All());
    }

    [Fact]
    public async Task Down_removes_the_pods_Deploy_started_and_nothing_answers_afterwards()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-down");
        var deployment = fixture.NewDeployment("down");
        var outcome = await deployment.DeployAsync(Release(web, port), [web], fixture.Verified(web), rollback: true, Ct);
        var workloads = deployment.Runtime.CurrentRelease()!.Workloads;
        Assert.NotEmpty(await deployment.Runtime.ObserveAsync(workloads, Ct));

        var removed = await deployment.Runtime.DownAsync(Ct);

        Assert.Equal(outcome.Revision, removed!.Revision);
        Assert.Empty(await deployment.Runtime.ObserveAsync(workloads, Ct));
        Assert.Null(deployment.Runtime.History.Current);
        Assert.DoesNotContain("web-down-db", await fixture.Podman.SecretNamesAsync(Ct));
        await Assert.ThrowsAsync<HttpRequestException>(() => fixture.Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), Ct));
    }
}
