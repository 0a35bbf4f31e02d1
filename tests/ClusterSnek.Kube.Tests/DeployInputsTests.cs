using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>What Deploy takes from the recorded images and verdicts, and what it hands helm.</summary>
public sealed class DeployInputsTests
{
    static readonly string Digest = "sha256:" + new string('b', 64);

    [Fact]
    public void An_image_whose_recorded_verdict_failed_is_refused_by_the_gate()
    {
        var image = new PinnedImage("frontend", "127.0.0.1:5000/clustersnek/frontend", new Digest(Digest));

        var error = Assert.Throws<UnverifiedImageException>(() =>
            SignatureGate.Require([image], [new ImageVerdict("frontend", new Digest(Digest), false, ["signature bytes do not verify"])]));

        Assert.Contains("frontend " + Digest + ": signature verification failed (signature bytes do not verify)", error.Message);
    }

    [Fact]
    public void A_verdict_about_another_digest_of_the_same_service_is_no_verdict()
    {
        var image = new PinnedImage("frontend", "127.0.0.1:5000/clustersnek/frontend", new Digest(Digest));
        var older = new ImageVerdict("frontend", new Digest("sha256:" + new string('c', 64)), true, []);

        var error = Assert.Throws<UnverifiedImageException>(() => SignatureGate.Require([image], [older]));

        Assert.Contains("no signature verification", error.Message);
    }

    [Fact]
    public void The_run_values_pin_every_service_to_its_digest_and_switch_the_chart_to_the_local_runtime()
    {
        var path = Path.Combine(Path.GetTempPath(), $"run-values-{Guid.NewGuid():N}", "run-values.yaml");

        DeployInputs.WriteRunValues(path, [new("mcp-server", "127.0.0.1:5000/clustersnek/mcp-server", new Digest(Digest)), new("backend", "127.0.0.1:5000/clustersnek/backend", new Digest(Digest))], localRuntime: true);

        Expect.MatchesFile(File.ReadAllText(path).Replace(Digest, "sha256:<digest>"), "run-values.yaml");
    }

    [Fact]
    public void The_run_values_give_the_chart_the_checkouts_own_host_ports_on_the_local_runtime()
    {
        var path = Path.Combine(Path.GetTempPath(), $"run-values-{Guid.NewGuid():N}", "run-values.yaml");
        var ports = LocalPorts.Resolve(Path.Combine(Path.GetDirectoryName(path)!, "ports.json"), ["backend", "mcp-server"], 24170, "/work/x/artifacts");

        DeployInputs.WriteRunValues(path, [new("mcp-server", "127.0.0.1:5000/clustersnek/mcp-server", new Digest(Digest)), new("backend", "127.0.0.1:5000/clustersnek/backend", new Digest(Digest))], localRuntime: true, ports);

        Expect.MatchesFile(File.ReadAllText(path).Replace(Digest, "sha256:<digest>"), "run-values.ports.yaml");
        var manifest = ManifestReader.Load(new Pipeline.AbsolutePath(Path.Combine(Root(), StackManifest.FileName)));
        Assert.Equal(["frontend:8080", "backend:24170", "ai-agent:8082", "mcp-server:24171"], DeployInputs.Endpoints(manifest, ports).Select(e => $"{e.Name}:{e.Port}"));
    }

    [Fact]
    public void The_chain_starts_at_the_service_nothing_depends_on()
    {
        var manifest = ManifestReader.Load(new Pipeline.AbsolutePath(Path.Combine(Root(), StackManifest.FileName)));

        Assert.Equal(new ChainProbe("frontend", "/api/chain"), DeployInputs.Chain(manifest, "/api/chain"));
        Assert.Equal(["frontend:8080", "backend:8081", "ai-agent:8082", "mcp-server:8083"], DeployInputs.Endpoints(manifest).Select(e => $"{e.Name}:{e.Port}"));
    }

    [Fact]
    public async Task A_cluster_deploy_of_an_unverified_image_is_refused_before_helm_runs()
    {
        var helm = new HelmRelease(new ResolvedTool(ToolPins.Helm, "4.2.3", "/nonexistent/helm", "test"));
        var target = new ClusterTarget("kind-ci", "clustersnek-dev", "clustersnek", "charts/clustersnek", [], new Dictionary<string, string>(), TimeSpan.FromMinutes(1));
        using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "https://127.0.0.1:1" });
        var image = new PinnedImage("backend", "127.0.0.1:5000/clustersnek/backend", new Digest(Digest));
        var rendered = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("backend", image.Pinned, 8081), "helm template");

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => new ClusterDeployment(helm, target, client).DeployAsync(rendered, [image], [], "dev", [], TestContext.Current.CancellationToken));

        Assert.Contains("no signature verification", error.Message);
    }

    [Fact]
    public async Task A_cluster_deploy_whose_pre_install_hook_runs_a_foreign_image_is_refused_before_helm_runs()
    {
        var helm = new HelmRelease(new ResolvedTool(ToolPins.Helm, "4.2.3", "/nonexistent/helm", "test"));
        var target = new ClusterTarget("kind-ci", "clustersnek-dev", "clustersnek", "charts/clustersnek", [], new Dictionary<string, string>(), TimeSpan.FromMinutes(1));
        using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "https://127.0.0.1:1" });
        var image = new PinnedImage("backend", "127.0.0.1:5000/clustersnek/backend", new Digest(Digest));
        var rendered = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("backend", image.Pinned, 8081) + """

            ---
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: backend-seed
              annotations: {helm.sh/hook: pre-install}
            spec:
              template:
                spec:
                  containers: [{name: seed, image: "docker.io/library/postgres:16"}]
            """, "helm template");

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => new ClusterDeployment(helm, target, client)
            .DeployAsync(rendered, [image], [new ImageVerdict("backend", image.Digest, true, [])], "dev", [], TestContext.Current.CancellationToken));

        Assert.Contains("Job/backend-seed (helm hook pre-install) container seed image docker.io/library/postgres:16", error.Message);
    }

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, StackManifest.FileName))) return dir.FullName;
        throw new InvalidOperationException("clustersnek.yaml not found above the test output");
    }
}

/// <summary>The API server's addresses Deploy gives the chart on a cluster (Kubernetes API documented shape, no cluster here).</summary>
[Trait("Source", "Kubernetes API documented shape, no cluster here")]
public sealed class KubeApiServerTests
{
    [Fact]
    public void The_API_server_is_its_ClusterIP_and_its_ready_endpoints_as_single_address_CIDRs()
    {
        var service = ApiResponse.Read<k8s.Models.V1Service>("kubernetes-service.json");
        var slices = ApiResponse.Read<k8s.Models.V1EndpointSliceList>("kubernetes-endpointslices.json");

        Assert.Equal(["10.96.0.1/32", "172.18.0.2/32"], KubeApiServer.Cidrs(service, slices.Items));
    }

    [Fact]
    public void The_run_values_carry_the_API_server_only_on_a_cluster()
    {
        var image = new PinnedImage("backend", "127.0.0.1:5000/clustersnek/backend", new Digest("sha256:" + new string('b', 64)));
        var folder = Directory.CreateTempSubdirectory("run-values-").FullName;

        var cluster = File.ReadAllText(DeployInputs.WriteRunValues(Path.Combine(folder, "c.yaml"), [image], localRuntime: false, kubeApiServerCidrs: ["10.96.0.1/32"]));
        var local = File.ReadAllText(DeployInputs.WriteRunValues(Path.Combine(folder, "l.yaml"), [image], localRuntime: true));

        Assert.Contains("  kubeApiServer:\n    cidrs: [\"10.96.0.1/32\"]\n", cluster);
        Assert.DoesNotContain("kubeApiServer", local);
    }
}
