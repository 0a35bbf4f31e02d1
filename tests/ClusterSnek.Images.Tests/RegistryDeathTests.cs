using ClusterSnek.Tools;
using System.Diagnostics;

namespace ClusterSnek.Images.Tests;

/// <summary>The real embedded registry killed under a run (issue #16): the failure names it, and the next run starts it again.</summary>
[Collection("registry")]
public sealed class RegistryDeathTests(RegistryFixture fixture)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_registry_killed_during_a_target_is_named_as_the_cause_with_its_pid()
    {
        var registry = new EmbeddedRegistry(fixture.Directory / "killed-test");
        var endpoint = await registry.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), LoopbackPort.Free(), Ct);
        var pid = registry.StartedPid!.Value;
        Assert.Null(registry.StoppedDuring("Scan"));

        Kill(pid);

        Assert.False(await EmbeddedRegistry.AnswersAsync(endpoint, Ct));
        Assert.Equal(pid, registry.DiedPid);
        Assert.Equal($"the embedded registry (pid {pid}) stopped during Scan; it is restarted on the next run", registry.StoppedDuring("Scan"));
    }

    [Fact]
    public async Task The_next_run_restarts_a_killed_registry_on_the_same_port_and_storage()
    {
        var port = LoopbackPort.Free();
        var killed = new EmbeddedRegistry(fixture.Directory / "restart-test");
        await killed.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), port, Ct);
        var pid = killed.StartedPid!.Value;
        Kill(pid);

        var next = new EmbeddedRegistry(fixture.Directory / "restart-test");
        Assert.Equal(port, next.ChoosePort(preferredPort: 1));
        var endpoint = await next.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), port, Ct);
        try
        {
            Assert.True(await EmbeddedRegistry.AnswersAsync(endpoint, Ct));
            Assert.NotEqual(pid, next.StartedPid);
            Assert.Null(next.StoppedDuring("Scan"));
        }
        finally { next.Stop(); }
    }

    [Fact]
    public async Task A_registry_stopped_on_purpose_is_not_reported_as_died()
    {
        var registry = new EmbeddedRegistry(fixture.Directory / "stopped-test");
        await registry.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), LoopbackPort.Free(), Ct);
        registry.Stop();
        Assert.Null(registry.DiedPid);
        Assert.Null(registry.StoppedDuring("Scan"));
    }

    /// <summary>kill -9 of that one PID, as an OOM killer or a user would; waits until it is gone (or a zombie).</summary>
    static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit(5000);
    }
}
