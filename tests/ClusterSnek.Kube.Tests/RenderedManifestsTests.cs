namespace ClusterSnek.Kube.Tests;

/// <summary>The rendered release as the local runtime gets it.</summary>
public sealed class RenderedManifestsTests
{
    const string Image = "127.0.0.1:5000/clustersnek/web@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Fact]
    public void The_local_runtime_gets_only_what_podman_runs_without_ports_probes_or_service_accounts()
    {
        var local = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", Image, 18080), "test release").ForLocalRuntime();

        Assert.Equal(["Namespace/clustersnek-dev", "ServiceAccount/web", "Service/web", "NetworkPolicy/default-deny", "Pod/web-test"], local.Dropped);
        Assert.Equal("Deployment web (web): web=" + Image, string.Join(", ", local.Workloads.Select(w => $"{w.Kind} {w.Name} ({w.Service}): {string.Join(",", w.Containers.Select(c => c.Container + "=" + c.Image))}")));
        Assert.Equal("web-db", Assert.Single(local.Secrets).Name);
        Expect.MatchesFile(local.Text, "local-release.yaml");
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_origin_and_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RenderedManifests.Parse("kind: Pod\nmetadata:\n  name: [unclosed\n", "charts/clustersnek (helm template)"));

        Assert.StartsWith("charts/clustersnek (helm template):", error.Message);
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void A_document_without_kind_is_rejected_with_its_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RenderedManifests.Parse("---\nkind: ConfigMap\nmetadata: {name: a}\n---\nmetadata: {name: b}\n", "rendered.yaml"));

        Assert.Equal("rendered.yaml:5: a document without kind and metadata.name; render the chart with helm template.", error.Message);
    }
}
