using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>The helm side of the cluster path, without a cluster: the arguments it passes and the idempotence digest.</summary>
public sealed class ClusterReleaseTests
{
    static HelmRelease HelmOfVersion(string version) => new(new ResolvedTool(ToolPins.Helm, version, "/usr/bin/false", "test"));

    static HelmUpgradeSettings Settings => new()
    {
        Release = "clustersnek", Chart = "charts/clustersnek", Namespace = "clustersnek-dev", KubeContext = "kind-ci",
        ValuesFiles = ["charts/clustersnek/values-dev.yaml"], SetValues = new Dictionary<string, string> { ["backend.image.digest"] = "sha256:" + new string('2', 64) },
        Timeout = TimeSpan.FromMinutes(3), HistoryMax = 10,
    };

    [Fact]
    public void Helm_4_upgrades_with_rollback_on_failure_wait_timeout_and_history_max()
    {
        var args = HelmOfVersion("4.2.3").UpgradeArguments(Settings);

        Assert.Equal(
            ["upgrade", "--install", "clustersnek", "charts/clustersnek", "--namespace", "clustersnek-dev", "--kube-context", "kind-ci",
             "--values", "charts/clustersnek/values-dev.yaml", "--set-string", "backend.image.digest=sha256:" + new string('2', 64),
             "--rollback-on-failure", "--wait", "--timeout", "180s", "--history-max", "10"], args);
    }

    static ClusterRelease Release => new(HelmOfVersion("4.2.3"),
        new ClusterTarget("kind-ci", "clustersnek-dev", "clustersnek", "charts/clustersnek", [], new Dictionary<string, string>(), TimeSpan.FromMinutes(3)));

    // info.status values as helm documents them (helm.sh/helm/v3/pkg/release: status.go); no cluster runs here.
    [Theory]
    [InlineData("pending-upgrade")]
    [InlineData("pending-rollback")]
    public void A_release_left_pending_by_a_killed_helm_is_rolled_back_before_the_next_upgrade(string state) =>
        Assert.Equal("", Release.Recovery(state));

    [Theory]
    [InlineData("deployed")]
    [InlineData("failed")]
    [InlineData("superseded")]
    [InlineData(null)]
    public void A_settled_or_missing_release_is_upgraded_as_it_is(string? state) => Assert.Null(Release.Recovery(state));

    [Fact]
    public void A_release_left_pending_install_is_refused_with_the_command_that_clears_it() =>
        Assert.Equal("Release clustersnek in clustersnek-dev is pending-install: an earlier install was killed before it finished and there is no " +
            "deployed revision to return to. Remove it (helm uninstall clustersnek -n clustersnek-dev) and run Deploy again.", Release.Recovery("pending-install"));

    [Fact]
    public void Helm_3_upgrades_with_atomic()
    {
        var args = HelmOfVersion("3.16.2").UpgradeArguments(Settings);

        Assert.Contains("--atomic", args);
        Assert.DoesNotContain("--rollback-on-failure", args);
    }

    const string Rendered = """
        ---
        # Source: clustersnek/charts/backend/templates/app.yaml
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: backend
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: backend
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: backend
                  image: "127.0.0.1:5000/clustersnek/backend@sha256:2222222222222222222222222222222222222222222222222222222222222222"
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: backend-test
          annotations:
            "helm.sh/hook": test
        spec:
          containers: [{name: wget, image: busybox}]
        """;

    // helm get manifest prints what was applied: other order, its own comments, no hooks.
    const string Deployed = """
        ---
        # Source: clustersnek/charts/backend/templates/deployment.yaml
        kind: Deployment
        apiVersion: apps/v1
        metadata: {name: backend}
        spec:
          template:
            spec:
              containers:
              - image: 127.0.0.1:5000/clustersnek/backend@sha256:2222222222222222222222222222222222222222222222222222222222222222
                name: backend
          replicas: 2
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: backend
        """;

    [Fact]
    public void The_deployed_manifest_equals_the_rendered_one_whatever_the_order_comments_and_hooks()
    {
        Assert.Equal(RenderedManifests.Parse(Rendered, "helm template").ContentDigest(), RenderedManifests.Parse(Deployed, "helm get manifest").ContentDigest());
    }

    [Fact]
    public void A_new_image_digest_makes_the_release_differ_from_the_deployed_one()
    {
        var changed = Rendered.Replace("sha256:2222222222222222222222222222222222222222222222222222222222222222", "sha256:" + new string('3', 64));

        Assert.NotEqual(RenderedManifests.Parse(changed, "helm template").ContentDigest(), RenderedManifests.Parse(Deployed, "helm get manifest").ContentDigest());
    }

    [Fact]
    public async Task A_missing_kube_context_is_one_clear_error_before_any_change()
    {
        var kubeconfig = WriteKubeconfig("https://127.0.0.1:6443");

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => ClusterRelease.ConnectAsync("prod-east", kubeconfig, TestContext.Current.CancellationToken));

        Assert.Equal($"--kube-context prod-east: no such context in {kubeconfig}; defined: kind-ci.", error.Message);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_one_clear_error_before_any_change()
    {
        var kubeconfig = WriteKubeconfig($"https://127.0.0.1:{TestImage.FreePort()}");

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => ClusterRelease.ConnectAsync("kind-ci", kubeconfig, TestContext.Current.CancellationToken));

        Assert.StartsWith("--kube-context kind-ci: the API server does not answer (", error.Message);
        Assert.EndsWith("Start the cluster or fix the context; nothing was changed.", error.Message);
    }

    static string WriteKubeconfig(string server)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(file, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: kind-ci
                cluster: {"{"}server: "{server}", insecure-skip-tls-verify: true{"}"}
            users:
              - name: kind-ci
                user: {"{"}token: test-token{"}"}
            contexts:
              - name: kind-ci
                context: {"{"}cluster: kind-ci, user: kind-ci{"}"}
            current-context: kind-ci
            """);
        return file;
    }
}
