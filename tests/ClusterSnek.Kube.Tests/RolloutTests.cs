using System.Globalization;

namespace ClusterSnek.Kube.Tests;

/// <summary>Redeploys on the local runtime without an outage (issue #16 item 5), with real podman and a request loop on loopback.</summary>
[Collection("podman")]
public sealed class RolloutTests(LocalRuntimeFixture fixture) : IClassFixture<LocalRuntimeFixture>
{
    CancellationToken Ct => TestContext.Current.CancellationToken;

    RenderedManifests TwoApps(PinnedImage web, int webPort, PinnedImage alpha, int alphaPort, string? webWww = null) => RenderedManifests.Parse(
        LocalRuntimeFixture.Rendered(alpha.Service, alpha.Pinned, alphaPort) + "\n" + LocalRuntimeFixture.Rendered(web.Service, web.Pinned, webPort, webWww),
        "test release");

    [Fact]
    public async Task A_changed_workload_is_replaced_without_a_failed_request_and_an_unchanged_one_keeps_its_pod()
    {
        var (webPort, alphaPort) = (LocalRuntimeFixture.Port(), LocalRuntimeFixture.Port());
        var (web, alpha) = (fixture.App("web-roll"), fixture.App("alpha-roll"));
        var deployment = fixture.NewDeployment("roll");
        await deployment.DeployAsync(TwoApps(web, webPort, alpha, alphaPort), [web, alpha], fixture.Verified(web, alpha), rollback: true, Ct);
        var alphaBefore = await ContainerIdsAsync(deployment, "alpha-roll");
        var webBefore = await ContainerIdsAsync(deployment, "web-roll");

        DeploymentRecord redeployed;
        RequestLoop loop;
        await using (loop = new RequestLoop("/readyz", webPort, alphaPort))
        {
            while (loop.Answered < 20) await Task.Delay(20, Ct);
            // Only web's spec changes (one more env variable): it moves to its other slot; alpha is the same spec and digest.
            redeployed = await deployment.DeployAsync(TwoApps(web, webPort, alpha, alphaPort, webWww: "/www"), [web, alpha], fixture.Verified(web, alpha),
                rollback: true, Ct);
            var settled = loop.Answered;
            while (loop.Answered < settled + 20) await Task.Delay(20, Ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{loop.Answered} answers, {loop.Failures.Count} failures, longest gap between answers {loop.LongestGap.TotalMilliseconds:0} ms"));
        Assert.Empty(loop.Failures);
        Assert.Equal(["web-roll"], redeployed.Rollout!.Started);
        Assert.Equal(["alpha-roll"], redeployed.Rollout.Kept);
        Assert.Equal(alphaBefore, await ContainerIdsAsync(deployment, "alpha-roll"));
        Assert.DoesNotContain(webBefore.Single(), await ContainerIdsAsync(deployment, "web-roll"));
        Assert.Single(await ContainerIdsAsync(deployment, "web-roll"));
    }

    [Fact]
    public async Task A_workload_whose_pod_is_gone_is_started_again_by_the_next_deploy_of_the_same_release()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-gone");
        var deployment = fixture.NewDeployment("gone");
        var release = RenderedManifests.Parse(LocalRuntimeFixture.Rendered(web.Service, web.Pinned, port), "test release");
        await deployment.DeployAsync(release, [web], fixture.Verified(web), rollback: true, Ct);
        var pods = (await deployment.Runtime.ObserveAsync(deployment.Runtime.CurrentRelease()!.Workloads, Ct)).Select(c => c.Pod).Distinct().ToList();
        await fixture.Podman.RemovePodsAsync(pods, Ct);

        var again = await deployment.DeployAsync(release, [web], fixture.Verified(web), rollback: true, Ct);

        Assert.True(again.Changed);
        Assert.Equal(["web-gone"], again.Rollout!.Started);
        using var answer = await fixture.Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), Ct);
        Assert.True(answer.IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_release_answers_on_loopback_only()
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-loopback");
        var deployment = fixture.NewDeployment("loopback");
        await deployment.DeployAsync(RenderedManifests.Parse(LocalRuntimeFixture.Rendered(web.Service, web.Pinned, port), "test release"), [web],
            fixture.Verified(web), rollback: true, Ct);

        // The public port is the entry point's: its listening socket is bound to 127.0.0.1, not 0.0.0.0 (item 7 of issue #16).
        var listening = ListeningAddresses(port);
        Assert.Equal(["127.0.0.1"], listening);
    }

    /// <summary>The local addresses with a socket listening on the port, from /proc/net/tcp and tcp6 (the kernel's own table).</summary>
    static List<string> ListeningAddresses(int port)
    {
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        var found = new List<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var (local, state) = (fields[1], fields[3]);
                if (state != "0A" || !local.EndsWith(":" + hex, StringComparison.Ordinal)) continue; // 0A: LISTEN
                var address = local[..local.IndexOf(':')];
                found.Add(address.Length == 8
                    ? new System.Net.IPAddress(Convert.FromHexString(address).Reverse().ToArray()).ToString()
                    : address);
            }
        return found;
    }

    /// <summary>The podman ids of the service's containers (a container started again has a new id, even under its old name).</summary>
    async Task<List<string>> ContainerIdsAsync(LocalDeployment deployment, string service)
    {
        var names = (await deployment.Runtime.ObserveAsync(deployment.Runtime.CurrentRelease()!.Workloads, Ct))
            .Where(c => c.Service == service).Select(c => c.Container).ToList();
        using var inspected = System.Text.Json.JsonDocument.Parse(await fixture.Podman.InspectJsonAsync(names, Ct));
        return inspected.RootElement.EnumerateArray().Select(c => c.GetProperty("Id").GetString()!).ToList();
    }
}
