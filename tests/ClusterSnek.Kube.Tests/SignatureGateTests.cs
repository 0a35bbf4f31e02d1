using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>Unsigned or unverified images never start: the gate refuses before any podman call (podman here is a path that does not exist).</summary>
public sealed class SignatureGateTests
{
    static readonly PinnedImage Web = new("web", "127.0.0.1:5000/clustersnek/web", new Digest("sha256:" + new string('a', 64)));

    static (LocalDeployment Deployment, string Artifacts) Unrunnable()
    {
        var artifacts = Path.Combine(Path.GetTempPath(), "clustersnek-gate-" + Guid.NewGuid().ToString("N"));
        var podman = new Podman(new ResolvedTool(ToolPins.Podman, "4.3.1", "/nonexistent/podman", "test"), new PodmanStorage(artifacts + "/root", artifacts + "/run", artifacts + "/c.conf"));
        return (new LocalDeployment(podman, artifacts, new LocalTarget("dev", "clustersnek-dev", "clustersnek", []), new HttpClient()), artifacts);
    }

    static RenderedManifests Release(string image) => RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", image, 18080), "test release");

    [Fact]
    public async Task An_image_without_a_signature_verification_never_reaches_podman()
    {
        var (deployment, artifacts) = Unrunnable();

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => deployment.DeployAsync(Release(Web.Pinned), [Web], [], rollback: true, TestContext.Current.CancellationToken));

        Assert.Contains($"web {Web.Digest}: no signature verification", error.Message);
        Assert.False(Directory.Exists(artifacts), "nothing may be written before the gate passes");
    }

    [Fact]
    public async Task A_failed_signature_verification_blocks_the_deploy()
    {
        var (deployment, artifacts) = Unrunnable();

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => deployment.DeployAsync(Release(Web.Pinned), [Web],
            [new ImageVerdict(Web.Service, Web.Digest, false, ["signature does not match the public key"])], rollback: true, TestContext.Current.CancellationToken));

        Assert.Contains("signature verification failed (signature does not match the public key)", error.Message);
        Assert.False(Directory.Exists(artifacts));
    }

    [Fact]
    public async Task A_manifest_image_that_is_not_a_verified_digest_of_this_run_blocks_the_deploy()
    {
        var (deployment, artifacts) = Unrunnable();

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => deployment.DeployAsync(Release("docker.io/library/nginx:latest"), [Web],
            [new ImageVerdict(Web.Service, Web.Digest, true, [])], rollback: true, TestContext.Current.CancellationToken));

        Assert.Contains("Deployment/web container web image docker.io/library/nginx:latest: not an image this run built, signed and verified, nor a trusted image of clustersnek.yaml; Pod/web-test (helm hook test) container wget image docker.io/library/nginx:latest: not an image", error.Message);
        Assert.False(Directory.Exists(artifacts));
    }

    static RenderedManifests ReleaseWith(string extra) =>
        RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", Web.Pinned, 18080) + "\n---\n" + extra, "test release");

    static readonly IReadOnlyList<ImageVerdict> Passed = [new ImageVerdict(Web.Service, Web.Digest, true, [])];

    [Fact]
    public async Task An_unsigned_initContainer_never_reaches_podman()
    {
        var (deployment, artifacts) = Unrunnable();
        var release = ReleaseWith("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: migrate}
            spec:
              template:
                spec:
                  initContainers: [{name: seed, image: "docker.io/library/busybox:1.36"}]
                  containers: [{name: app, image: "IMAGE"}]
            """.Replace("IMAGE", Web.Pinned));

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => deployment.DeployAsync(release, [Web], Passed, rollback: true, TestContext.Current.CancellationToken));

        Assert.Contains("Deployment/migrate initContainer seed image docker.io/library/busybox:1.36: not an image this run built, signed and verified, nor a trusted image of clustersnek.yaml", error.Message);
        Assert.StartsWith("Refusing to deploy, nothing was started:", error.Message);
        Assert.False(Directory.Exists(artifacts), "nothing may be written before the gate passes");
    }

    [Fact]
    public async Task A_test_hook_whose_image_a_values_file_chose_never_reaches_podman()
    {
        var (deployment, artifacts) = Unrunnable();
        // What charts/common/templates/_test.tpl renders with global.tests.image.repository set by a values file.
        var release = ReleaseWithTestImage("evil.example/tools@sha256:0000000000000000000000000000000000000000000000000000000000000000");

        var error = await Assert.ThrowsAsync<UnverifiedImageException>(() => deployment.DeployAsync(release, [Web], Passed, rollback: true, TestContext.Current.CancellationToken));

        Assert.Contains("Pod/web-test-health (helm hook test) container health image evil.example/tools@sha256:0000", error.Message);
        Assert.Contains("declare an image you trust in clustersnek.yaml (trustedImages: - image: repository@sha256:<digest>, publicKey: path of its signer's public key)", error.Message);
        Assert.Contains("a values file (e.g. global.tests.image.repository) cannot choose an image", error.Message);
        Assert.False(Directory.Exists(artifacts));
    }

    [Fact]
    public void Every_container_list_of_every_workload_kind_is_gated()
    {
        var release = ReleaseWith("""
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers: [{name: report, image: "cron.example/report:1"}]
            ---
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: db-migrate
              annotations: {helm.sh/hook: pre-install}
            spec:
              template:
                spec:
                  containers: [{name: migrate, image: "job.example/migrate:1"}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: debug}
            spec:
              containers: [{name: app, image: "IMAGE"}]
              ephemeralContainers: [{name: shell, image: "debug.example/shell:1"}]
            """.Replace("IMAGE", Web.Pinned));

        var error = Assert.Throws<UnverifiedImageException>(() => SignatureGate.RequireEveryContainer(release, [Web]));

        Assert.Contains("CronJob/nightly container report image cron.example/report:1", error.Message);
        Assert.Contains("Job/db-migrate (helm hook pre-install) container migrate image job.example/migrate:1", error.Message);
        Assert.Contains("Pod/debug ephemeralContainer shell image debug.example/shell:1", error.Message);
        Assert.Contains("Pod/web-test (helm hook test)", string.Join(",", release.Containers()));
        Assert.DoesNotContain("Deployment/web", error.Message);
    }

    [Fact]
    public void A_release_that_runs_only_its_verified_digests_passes_the_gate_hooks_included() =>
        SignatureGate.RequireEveryContainer(Release(Web.Pinned), [Web]);

    const string Wget = "ghcr.io/acme/wget@sha256:1111111111111111111111111111111111111111111111111111111111111111";

    /// <summary>What charts/common/templates/_test.tpl renders: a helm test hook Pod running <paramref name="image"/>.</summary>
    static RenderedManifests ReleaseWithTestImage(string image = Wget) => ReleaseWith($$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-test-health
          annotations: {helm.sh/hook: test}
        spec:
          containers: [{name: health, image: "{{image}}"}]
        """);

    static readonly ClusterSnek.Stack.TrustedImage Declared = new("ghcr.io/acme/wget", Wget.Split('@')[1], "keys/acme.pub", 57);

    [Fact]
    public void A_declared_trusted_image_whose_signature_verified_passes_the_gate() =>
        SignatureGate.RequireEveryContainer(ReleaseWithTestImage(), [Web],
            new ExternalImages([Declared], [new ImageVerdict("ghcr.io/acme/wget", new Digest(Declared.Digest), true, [])]));

    [Fact]
    public void A_declared_trusted_image_whose_signature_failed_is_refused_naming_its_declaration()
    {
        var error = Assert.Throws<UnverifiedImageException>(() => SignatureGate.RequireEveryContainer(ReleaseWithTestImage(), [Web],
            new ExternalImages([Declared], [new ImageVerdict("ghcr.io/acme/wget", new Digest(Declared.Digest), false, ["no signature"])])));

        Assert.Contains($"Pod/web-test-health (helm hook test) container health image {Wget}: declared trusted (clustersnek.yaml:57) " +
            "but its signature did not verify with keys/acme.pub (no signature)", error.Message);
    }

    [Fact]
    public void A_declared_trusted_image_without_a_verdict_is_refused()
    {
        var error = Assert.Throws<UnverifiedImageException>(() => SignatureGate.RequireEveryContainer(ReleaseWithTestImage(), [Web], new ExternalImages([Declared], [])));

        Assert.Contains("declared trusted (clustersnek.yaml:57) but VerifySignatures has no verdict on it", error.Message);
    }
}
