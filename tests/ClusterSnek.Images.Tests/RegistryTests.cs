using System.Net;
using System.Net.Sockets;
using ClusterSnek.Tools;

namespace ClusterSnek.Images.Tests;

[Collection("registry")]
public sealed class RegistryTests(RegistryFixture fixture)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_embedded_registry_answers_the_distribution_api()
    {
        Assert.True(await EmbeddedRegistry.AnswersAsync(fixture.Endpoint, Ct));
        Assert.NotNull(fixture.Registry.StartedPid);
    }

    [Fact]
    public async Task A_registry_is_stopped_by_its_own_pid_and_its_port_remembered()
    {
        var registry = new EmbeddedRegistry(fixture.Directory / "stop-test");
        var port = LoopbackPort.Free();
        var endpoint = await registry.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), port, Ct);
        var pid = registry.StartedPid!.Value;
        Assert.Contains("docker-registry", File.ReadAllText($"/proc/{pid}/cmdline"));

        registry.Stop();

        Assert.False(await EmbeddedRegistry.AnswersAsync(endpoint, Ct));
        Assert.False(File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ"));
        Assert.Equal(port, registry.ReadState()!.Port);
        Assert.Equal(port, registry.ChoosePort(preferredPort: 1));
    }

    [Fact]
    public async Task A_registry_left_running_by_this_project_is_reused_by_the_next_run()
    {
        var port = LoopbackPort.Free();
        var first = new EmbeddedRegistry(fixture.Directory / "reuse-test");
        await first.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), port, Ct);
        var pid = first.StartedPid;

        var next = new EmbeddedRegistry(fixture.Directory / "reuse-test");
        next.ChoosePort(preferredPort: 1);
        var endpoint = await next.EnsureRunningAsync(await fixture.Tools.RegistryAsync(Ct), port, Ct);

        Assert.Equal(pid, next.StartedPid);
        Assert.Equal(port, next.ChoosePort(preferredPort: 1));
        next.Stop();
        Assert.False(await EmbeddedRegistry.AnswersAsync(endpoint, Ct));
    }

    [Fact]
    public async Task A_port_taken_by_another_process_is_a_clear_error_and_starts_nothing()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var registry = new EmbeddedRegistry(fixture.Directory / "collision-test");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.EnsureRunningAsync(fixture.Tools.RegistryAsync(Ct).Result, port, Ct));

        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", e.Message);
        Assert.Contains("--registry-port", e.Message);
        Assert.Null(registry.StartedPid);
    }

    [Fact]
    public void The_preferred_port_is_left_for_another_when_it_is_taken()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var registry = new EmbeddedRegistry(fixture.Directory / "choose-test");
        var chosen = registry.ChoosePort(taken);
        Assert.NotEqual(taken, chosen);
        Assert.True(LoopbackPort.IsFree(chosen));
    }

    [Fact]
    public async Task A_registry_that_refuses_pushes_fails_the_preflight_and_receives_nothing()
    {
        // A real docker-registry in read-only maintenance mode: it serves pulls and refuses every upload.
        var dir = (fixture.Directory / "readonly").CreateDirectory();
        var port = LoopbackPort.Free();
        File.WriteAllText(dir / "config.yml", $"""
            version: 0.1
            storage:
              filesystem:
                rootdirectory: {dir / "storage"}
              maintenance:
                readonly:
                  enabled: true
            http:
              addr: 127.0.0.1:{port}
            """);
        var pid = new DockerRegistry(await fixture.Toolchain.ResolveAsync(ToolPins.Registry, Ct)).Start(dir / "config.yml", dir / "log");
        try
        {
            var endpoint = new RegistryEndpoint($"127.0.0.1:{port}", plainHttp: true);
            for (var i = 0; i < 100 && !await EmbeddedRegistry.AnswersAsync(endpoint, Ct); i++) await Task.Delay(100, Ct);

            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PushPreflight.CheckAsync(endpoint, ["clustersnek/backend"], Ct));

            Assert.Contains($"Registry 127.0.0.1:{port} refuses pushes to clustersnek/backend", e.Message);
            Assert.Contains("nothing was pushed", e.Message);
        }
        finally
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task A_registry_that_accepts_pushes_passes_the_preflight_without_leaving_a_repository()
    {
        await PushPreflight.CheckAsync(fixture.Endpoint, ["preflight/probe"], Ct);
        Assert.DoesNotContain("preflight/probe", await fixture.CatalogAsync());
    }
}
