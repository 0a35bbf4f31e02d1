using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Images.Tests;

/// <summary>
/// Staging → release against a real docker-registry: promotion copies by digest under the release tag only what the scan
/// passed, and the registry check refuses a re-tagged staging tag or another service's image under this service's name.
/// </summary>
[Collection("registry")]
public sealed class ImagePromotionTests(RegistryFixture fixture) : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly RegistryClient client = new();
    readonly string run = Guid.NewGuid().ToString("N")[..8];
    const string Revision = "0123456789abcdef0123456789abcdef01234567";

    public void Dispose() => client.Dispose();

    string Staging(string service) => fixture.Endpoint.Repository($"{run}/staging/{service}");
    string Release(string service) => fixture.Endpoint.Repository($"{run}/{service}");

    /// <summary>A one-layer image labelled as <paramref name="title"/>, pushed to the service's staging repository under the tag.</summary>
    async Task<ImageEntry> PushAsync(string service, string title, string tag = "abc123", string? revision = Revision)
    {
        var staging = ImageReference.Parse(Staging(service));
        var labels = new JsonObject { [ImageLabels.Title] = title };
        if (revision is not null) labels[ImageLabels.Revision] = revision;
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64", ["os"] = "linux", ["config"] = new JsonObject { ["Labels"] = labels },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() },
        }.ToJsonString());
        var layer = Encoding.UTF8.GetBytes("layer of " + title + run);
        var configDescriptor = await client.PushBlobAsync(staging.Registry, staging.Repository, config, MediaTypes.OciConfig, Ct);
        var layerDescriptor = await client.PushBlobAsync(staging.Registry, staging.Repository, layer, MediaTypes.OciLayerGzip, Ct);
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, configDescriptor, [layerDescriptor]).ToBytes();
        var digest = await client.PutManifestAsync(staging.Registry, staging.Repository, tag, manifest, MediaTypes.OciManifest, Ct);
        return new ImageEntry(service, Release(service), tag, digest, manifest.Length, null, 0, "dotnet", null, Revision, Staging(service));
    }

    static ScanRecord Scan(ImageEntry image, bool passed) => new(passed, ["HIGH", "CRITICAL"], false, false, "policies/scan-exceptions.yaml",
        [new ScanResult(image.Service, image.Digest, new GateVerdict(passed, passed ? "passed" : "1 secret", passed ? [] : ["1 secret"]),
            new SeverityCounts(0, passed ? 0 : 1, 0, 0, 0), new VulnerabilityScan(false, "offline"), passed ? 0 : 1, 0, 0, [], [], [], [], "r", "s")], null);

    [Fact]
    public async Task A_promoted_image_is_in_the_release_repository_under_its_tag_with_the_same_digest()
    {
        var frontend = await PushAsync("frontend", "frontend");

        await new ImagePromotion(client).PromoteAsync([frontend], Ct);

        var release = ImageReference.Parse(frontend.Reference);
        Assert.Equal(frontend.Digest, await client.ResolveAsync(release.WithTag(frontend.Tag), Ct));
        Assert.Equal([frontend.Tag], await client.ListTagsAsync(release.Registry, release.Repository, Ct));
    }

    [Fact]
    public async Task An_image_the_scan_blocked_is_not_promoted_and_the_release_repository_has_no_tag()
    {
        var leaky = await PushAsync("leaky", "leaky");

        var verdict = ImagePromotion.ScanVerdict(Scan(leaky, passed: false), leaky);

        Assert.Equal($"the scan gate blocked {leaky.Digest}: 1 secret", verdict);
        Assert.Null(ImagePromotion.ScanVerdict(Scan(leaky, passed: true), leaky));
        Assert.Equal($"no scan of {leaky.Digest} is recorded", ImagePromotion.ScanVerdict(Scan(leaky with { Digest = new Digest("sha256:" + new string('0', 64)) }, true), leaky));
        var release = ImageReference.Parse(leaky.Reference);
        Assert.Empty(await client.ListTagsAsync(release.Registry, release.Repository, Ct));
    }

    [Fact]
    public async Task A_staging_tag_that_now_points_at_another_digest_is_refused()
    {
        var frontend = await PushAsync("frontend", "frontend");
        await PushAsync("frontend", "frontend", revision: "f".PadRight(40, 'f')); // same tag, another image

        var refusal = await new ImagePromotion(client).CheckAsync(frontend, Ct);

        Assert.StartsWith($"frontend: tag 'abc123' of {Staging("frontend")} now points at sha256:", refusal);
        Assert.EndsWith($"not the recorded {frontend.Digest} (re-tagged)", refusal);
    }

    [Fact]
    public async Task Another_services_image_under_this_services_tag_and_digest_is_refused_and_nothing_is_promoted()
    {
        // The issue's tamper: the backend image copied over the frontend tag, and the record edited to the backend's digest.
        var backend = await PushAsync("backend", "backend");
        var copied = await PushAsync("frontend", "backend");
        Assert.Equal(backend.Digest, copied.Digest);
        var frontend = await PushAsync("frontend-ok", "frontend-ok");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new ImagePromotion(client).PromoteAsync([frontend, copied], Ct));

        Assert.Contains($"frontend: {Staging("frontend")}@{backend.Digest} is labelled {ImageLabels.Title}=backend, not frontend", error.Message);
        Assert.Contains("Nothing was promoted", error.Message);
        var release = ImageReference.Parse(frontend.Reference);
        Assert.Empty(await client.ListTagsAsync(release.Registry, release.Repository, Ct));
    }

    [Fact]
    public async Task An_image_built_from_another_commit_than_recorded_is_refused()
    {
        var frontend = await PushAsync("frontend", "frontend", revision: "e".PadRight(40, 'e'));

        var refusal = await new ImagePromotion(client).CheckAsync(frontend, Ct);

        Assert.Equal($"frontend: {Staging("frontend")}@{frontend.Digest} is labelled {ImageLabels.Revision}={"e".PadRight(40, 'e')}, not the recorded {Revision}", refusal);
    }
}
