namespace ClusterSnek.Kube.Tests;

/// <summary>
/// The suite of broken releases: each test deploys the real stack on the podman local runtime with one fault, introduced the
/// way a user would try a change (a --values file layered over the environment's values) or as an image reference that
/// cannot be pulled, and asserts the first-ranked cause of the diagnosis (the root cause, not a symptom downstream), that
/// it carries evidence and a fix, and that the previous good revision (the fixture's revision 1) runs and verifies again.
/// </summary>
[Collection("broken releases")]
public sealed class BrokenReleaseTests(BrokenReleaseFixture fixture)
{
    CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<DiagnosisFinding> FirstCauseAsync(string? values, string code, string subject, IReadOnlyList<PinnedImage>? images = null)
    {
        var good = fixture.Deployment.Runtime.History.Current!.Revision;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failure = await fixture.BreakAsync(values, images, Ct);
        var diagnosis = failure.Diagnosis;
        TestContext.Current.TestOutputHelper?.WriteLine($"failed and rolled back in {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var line in diagnosis) TestContext.Current.TestOutputHelper?.WriteLine($"[{line.Code}] {line}");
        Assert.NotEmpty(diagnosis);
        var first = diagnosis[0];
        Assert.True((code, subject) == (first.Code, first.Subject), $"expected {code} on {subject} first, got: {string.Join(" | ", diagnosis.Select(d => $"[{d.Code}] {d}"))}");
        Assert.False(string.IsNullOrWhiteSpace(first.Evidence));
        Assert.False(string.IsNullOrWhiteSpace(first.Fix));
        Assert.Contains(first.ToString(), failure.Message);

        // The previous good revision runs again: rolled back, and verified (by Verify's own re-check, or here after a failed Deploy).
        Assert.Equal(good, fixture.Deployment.Runtime.History.Current!.Revision);
        if (failure.Verification is { } verification)
        {
            Assert.Equal((good, true, true), (verification.Rollback!.ToRevision, verification.Rollback.Restored, verification.Rollback.VerifiedAfter));
            Assert.Contains(diagnosis[0].ToString(), verification.Rollback.Reason);
        }
        else
        {
            Assert.Equal((good, true), (failure.Deployment!.Rollback!.ToRevision, failure.Deployment.Rollback.Restored));
            var again = await fixture.VerifyGoodRevisionAsync(Ct);
            Assert.True(again.Passed, again.Summary);
        }
        return first;
    }

    [Fact]
    public async Task A_readiness_path_the_service_does_not_serve_is_named_with_its_status_and_fixed_in_the_values()
    {
        var first = await FirstCauseAsync("global:\n  services:\n    backend:\n      ready: /not-ready\n", CauseCodes.Readiness, "backend");

        Assert.Contains("/not-ready answers 404", first.Cause);
        // The new pod is probed where it runs: its port slot (the public port + 10 or + 20), before any traffic switches to it.
        Assert.Matches(@"127\.0\.0\.1:\d+/not-ready → 404", first.Evidence);
        Assert.Contains("global.services.backend.ready", first.Fix);
    }

    [Fact]
    public async Task An_impossible_memory_limit_is_OOMKilled_with_its_limit_and_the_services_downstream_are_symptoms()
    {
        var first = await FirstCauseAsync("mcp-server:\n  resources:\n    requests: { memory: 8Mi }\n    limits: { memory: 8Mi }\n",
            CauseCodes.OomKilled, "mcp-server");

        Assert.Contains("8 MiB", first.Cause);
        Assert.Contains("exit code 137", first.Evidence);
        Assert.Contains("mcp-server.resources.limits.memory", first.Fix);
    }

    [Fact]
    public async Task A_service_listening_on_another_port_than_the_probe_is_named_with_both_ports()
    {
        var other = TestImage.FreePort();
        var first = await FirstCauseAsync($"backend:\n  env:\n    PORT: \"{other}\"\n", CauseCodes.WrongPort, "backend");

        Assert.Matches($@"listens on port {other}, not on \d+", first.Cause);
        Assert.Contains($"PORT={other}", first.Evidence);
    }

    [Fact]
    public async Task A_crash_on_start_is_named_with_its_exit_code_and_last_log_lines_before_the_services_that_call_it()
    {
        var good = fixture.Deployment.Runtime.History.Current!.Revision;
        var failure = await fixture.BreakAsync("mcp-server:\n  env:\n    PORT: \"not-a-port\"\n", cancellation: Ct);

        var first = failure.Diagnosis[0];
        Assert.Equal((CauseCodes.CrashOnStart, "mcp-server"), (first.Code, first.Subject));
        Assert.Matches(@"exit code \d+", first.Evidence);
        Assert.Contains("not a port number", first.Evidence);
        // ai-agent is not ready because of it: ranked after the root cause, named as its dependency being down.
        Assert.DoesNotContain(failure.Diagnosis.Skip(1), d => d.Code is CauseCodes.CrashOnStart or CauseCodes.OomKilled);
        Assert.Equal(good, fixture.Deployment.Runtime.History.Current!.Revision);
        // Failed at Deploy: the new pod never took traffic, so the good revision never stopped serving.
        Assert.True(failure.Verification?.Rollback?.VerifiedAfter ?? failure.Deployment?.Rollback?.Summary?.Contains("kept serving", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_secret_is_named_and_the_deploy_is_rolled_back()
    {
        var first = await FirstCauseAsync("backend:\n  existingSecret: backend-credentials-missing\n", CauseCodes.MissingSecret, "backend");

        Assert.Contains("backend-credentials-missing", first.Cause + first.Evidence);
    }

    [Fact]
    public async Task A_write_to_the_read_only_root_filesystem_is_named_with_its_path()
    {
        var first = await FirstCauseAsync("backend:\n  env:\n    ASPNETCORE_URLS: \"http://unix:/backend.sock\"\n", CauseCodes.ReadOnlyFilesystem, "backend");

        Assert.Contains("read-only", first.Evidence, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Permission_denied_as_non_root_on_a_privileged_port_is_named_with_the_port()
    {
        var first = await FirstCauseAsync("backend:\n  env:\n    PORT: \"80\"\n", CauseCodes.PermissionDenied, "backend");

        Assert.Contains("port 80", first.Cause);
        Assert.Contains("uid 65532", first.Cause);
    }

    [Fact]
    public async Task A_dependency_that_is_down_is_named_and_who_is_downstream_of_it()
    {
        var nowhere = TestImage.FreePort();
        var first = await FirstCauseAsync($"ai-agent:\n  env:\n    CLUSTERSNEK_DOWNSTREAM_URL: \"http://127.0.0.1:{nowhere}\"\n",
            CauseCodes.DependencyDown, "ai-agent");

        // Only ai-agent changed (and was started anew); backend and frontend kept running and call it through the entry point.
        Assert.Contains($"dependency 127.0.0.1:{nowhere} is down (upstream of ai-agent", first.Cause);
        Assert.Contains("start that dependency, or point the service at one that runs", first.Fix);
    }

    [Fact]
    public async Task A_policy_violating_change_seen_only_at_runtime_is_named()
    {
        var first = await FirstCauseAsync("backend:\n  securityContext:\n    readOnlyRootFilesystem: false\n", CauseCodes.PolicyAtRuntime, "backend");

        Assert.Contains("root filesystem is writable", first.Evidence);
    }

    [Fact]
    public async Task An_image_digest_that_is_not_in_the_registry_cannot_be_pulled_and_is_named()
    {
        var missing = fixture.Images.Select(i => i.Service == "backend" ? i with { Digest = new Digest("sha256:" + new string('0', 64)) } : i).ToList();

        var first = await FirstCauseAsync(null, CauseCodes.ImageUnknownDigest, "backend", missing);

        Assert.Contains("sha256:" + new string('0', 64), first.Cause + first.Evidence);
    }

    [Fact]
    public async Task An_image_whose_registry_is_down_cannot_be_pulled_and_the_registry_is_named()
    {
        // A digest podman does not hold already (it would use its own copy, imagePullPolicy IfNotPresent), at a registry that is down.
        var down = $"127.0.0.1:{TestImage.FreePort()}";
        var moved = fixture.Images.Select(i => i.Service == "mcp-server"
            ? i with { Reference = $"{down}/clustersnek/mcp-server", Digest = new Digest("sha256:" + new string('1', 64)) } : i).ToList();

        var first = await FirstCauseAsync(null, CauseCodes.ImageRegistryDown, "mcp-server", moved);

        Assert.Contains(down, first.Cause);
    }
}
