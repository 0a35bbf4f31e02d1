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

        Assert.Contains("web runs docker.io/library/nginx:latest, which is not a verified digest of this run", error.Message);
        Assert.False(Directory.Exists(artifacts));
    }
}
