using System.Net;
using System.Net.Sockets;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>Each checkout's release on the local runtime takes its own block of host ports: chosen free, remembered, overridable.</summary>
public sealed class LocalPortsTests
{
    static readonly string[] Services = ["frontend", "backend", "ai-agent", "mcp-server"];

    static string PortsFile() => Path.Combine(Path.GetTempPath(), "clustersnek-ports-" + Guid.NewGuid().ToString("N"), "releases", "dev", "ports.json");

    [Fact]
    public void The_port_block_is_chosen_once_and_the_same_on_the_next_run()
    {
        var file = PortsFile();

        var first = LocalPorts.Resolve(file, Services, null, "/work/one/artifacts");
        var second = LocalPorts.Resolve(file, Services, null, "/work/one/artifacts");

        Assert.Equal(first, second);
        Assert.True(File.Exists(file));
        Assert.Equal(Services, first.Services.OrderBy(kv => kv.Value).Select(kv => kv.Key));
        Assert.Equal(Enumerable.Range(first.Base, 4), first.Services.Values.Order());
        Assert.InRange(first.Base, LocalPorts.FirstPort, LocalPorts.FirstPort + LocalPorts.Blocks * LocalPorts.BlockSize - 1);
    }

    [Fact]
    public void Two_checkouts_get_different_blocks()
    {
        var one = LocalPorts.Resolve(PortsFile(), Services, null, "/work/main/artifacts");
        var two = LocalPorts.Resolve(PortsFile(), Services, null, "/work/wt-loop/artifacts");

        Assert.NotEqual(one.Base, two.Base);
        Assert.Empty(one.Services.Values.Intersect(two.Services.Values));
    }

    [Fact]
    public void A_checkout_whose_starting_block_a_running_release_holds_takes_the_next_free_one()
    {
        var one = LocalPorts.Resolve(PortsFile(), Services, null, "/work/same/artifacts");
        using var running = Hold(one.Services.Values);

        var two = LocalPorts.Resolve(PortsFile(), Services, null, "/work/same/artifacts");

        Assert.Empty(one.Services.Values.Intersect(two.Services.Values));
    }

    [Fact]
    public void Port_base_overrides_the_block_and_is_remembered()
    {
        var file = PortsFile();
        LocalPorts.Resolve(file, Services, null, "/work/one/artifacts");

        var chosen = LocalPorts.Resolve(file, Services, 31000, "/work/one/artifacts");
        var next = LocalPorts.Resolve(file, Services, null, "/work/one/artifacts");

        Assert.Equal(31000, chosen["frontend"]);
        Assert.Equal(31003, chosen["mcp-server"]);
        Assert.Equal(chosen, next);
    }

    [Fact]
    public void A_port_another_program_holds_gives_one_line_naming_it_and_the_way_out()
    {
        var ports = LocalPorts.Resolve(PortsFile(), Services, null, "/work/held/artifacts");
        using var other = Hold([ports["backend"]]);

        var e = Assert.Throws<PortInUseException>(() => ports.EnsureAvailable([], "dev", "artifacts/releases/dev/ports.json"));

        Assert.StartsWith($"Port {ports["backend"]} on 127.0.0.1 (backend of the dev release) is held by another program: stop it, or move this release with --port-base ", e.Message);
        Assert.EndsWith("(a free block; remembered in artifacts/releases/dev/ports.json).", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_ports_the_release_itself_listens_on_are_not_a_conflict()
    {
        var ports = LocalPorts.Resolve(PortsFile(), Services, null, "/work/own/artifacts");
        using var own = Hold(ports.Services.Values);

        ports.EnsureAvailable(ports.Services.Values.ToList(), "dev", "ports.json");
    }

    [Fact]
    public async Task A_deploy_onto_a_held_port_fails_before_podman_runs()
    {
        var artifacts = Path.Combine(Path.GetTempPath(), "clustersnek-held-" + Guid.NewGuid().ToString("N"));
        var ports = LocalPorts.Resolve(Path.Combine(artifacts, "releases", "dev", "ports.json"), ["web"], null, artifacts);
        using var other = Hold([ports["web"]]);
        var podman = new Podman(new ResolvedTool(ToolPins.Podman, "4.3.1", "/nonexistent/podman", "test"), new PodmanStorage(artifacts + "/root", artifacts + "/run", artifacts + "/c.conf"));
        var deployment = new LocalDeployment(podman, artifacts, new LocalTarget("dev", "clustersnek-dev", "clustersnek", [], ports), new HttpClient());
        var web = new PinnedImage("web", "127.0.0.1:5000/clustersnek/web", new Digest("sha256:" + new string('a', 64)));
        var release = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", web.Pinned, ports["web"]), "test release");

        var e = await Assert.ThrowsAsync<PortInUseException>(() => deployment.DeployAsync(release, [web], [new ImageVerdict("web", web.Digest, true, [])],
            rollback: true, TestContext.Current.CancellationToken));

        Assert.StartsWith($"Port {ports["web"]} on 127.0.0.1 (web of the dev release) is held by another program", e.Message);
        Assert.False(Directory.Exists(Path.Combine(artifacts, "releases", "dev", "1")), "no revision is written");
    }

    [Fact]
    public void The_ports_a_rendered_release_listens_on_are_its_containers_contract_port()
    {
        var manifests = RenderedManifests.Parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: backend }
            spec:
              template:
                spec:
                  containers:
                    - name: backend
                      image: x@sha256:00
                      env:
                        - { name: ASPNETCORE_HTTP_PORTS, value: "24171" }
                        - { name: CLUSTERSNEK_DOWNSTREAM_URL, value: "http://127.0.0.1:24172" }
            """, "test");

        Assert.Equal([24171], LocalPorts.ListenedOn(manifests));
    }

    static Listeners Hold(IEnumerable<int> ports) => new(ports.Select(p =>
    {
        var listener = new TcpListener(IPAddress.Loopback, p);
        listener.Start();
        return listener;
    }).ToList());

    sealed class Listeners(IReadOnlyList<TcpListener> listeners) : IDisposable
    {
        public void Dispose() { foreach (var l in listeners) l.Stop(); }
    }
}
