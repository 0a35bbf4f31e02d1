using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>What Deploy reads from the stages before it (pipeline.json images[]) and what it hands helm.</summary>
public sealed class DeployInputsTests
{
    static readonly string Digest = "sha256:" + new string('b', 64);

    static string PipelineJson(string images)
    {
        var file = Path.Combine(Path.GetTempPath(), $"pipeline-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, $$"""{"schemaVersion":1,"images":{{images}}}""");
        return file;
    }

    [Fact]
    public void Images_and_the_verdicts_VerifySignatures_recorded_are_read_from_pipeline_json_and_signing_alone_is_no_verdict()
    {
        var file = PipelineJson($$$"""
            [{"service":"backend","reference":"127.0.0.1:5000/clustersnek/backend","digest":"{{{Digest}}}","signature":{"verified":true,"keyId":"abc"},"signatureVerification":{"passed":true,"keyId":"abc"}},
             {"service":"frontend","reference":"127.0.0.1:5000/clustersnek/frontend","digest":"sha256:{{{new string('c', 64)}}}","signature":{"verified":true}},
             {"service":"broken","reference":"127.0.0.1:5000/clustersnek/broken"}]
            """);

        var images = DeployInputs.Images(null, file);
        var verdicts = DeployInputs.RecordedVerdicts(null, file);

        Assert.Equal(["backend", "frontend"], images.Select(i => i.Service));
        Assert.Equal("127.0.0.1:5000/clustersnek/backend@" + Digest, images[0].Pinned);
        var verdict = Assert.Single(verdicts);
        Assert.True(verdict.Verified);
        Assert.Equal(Digest, verdict.Digest);
    }

    [Fact]
    public void An_image_without_a_recorded_verification_is_refused_by_the_gate()
    {
        var file = PipelineJson($$$"""[{"service":"frontend","reference":"127.0.0.1:5000/clustersnek/frontend","digest":"{{{Digest}}}","signature":{"verified":true},"signatureVerification":{"passed":false,"reasons":["signature bytes do not verify"]}}]""");

        var error = Assert.Throws<UnverifiedImageException>(() => SignatureGate.Require(DeployInputs.Images(null, file), DeployInputs.RecordedVerdicts(null, file)));

        Assert.Contains("frontend " + Digest + ": signature verification failed", error.Message);
    }

    [Fact]
    public void The_run_values_pin_every_service_to_its_digest_and_switch_the_chart_to_the_local_runtime()
    {
        var path = Path.Combine(Path.GetTempPath(), $"run-values-{Guid.NewGuid():N}", "run-values.yaml");

        DeployInputs.WriteRunValues(path, [new("mcp-server", "127.0.0.1:5000/clustersnek/mcp-server", Digest), new("backend", "127.0.0.1:5000/clustersnek/backend", Digest)], localRuntime: true);

        Expect.MatchesFile(File.ReadAllText(path).Replace(Digest, "sha256:<digest>"), "run-values.yaml");
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
        var image = new DeployImage("backend", "127.0.0.1:5000/clustersnek/backend", Digest);
        var rendered = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("backend", image.Pinned, 8081), "helm template");

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => new ClusterDeployment(helm, target, client).DeployAsync(rendered, [image], [], TestContext.Current.CancellationToken));

        Assert.Contains("no signature verification", error.Message);
    }

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, StackManifest.FileName))) return dir.FullName;
        throw new InvalidOperationException("clustersnek.yaml not found above the test output");
    }
}
