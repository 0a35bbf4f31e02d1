using System.Text;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Tests.Distribution;

[Collection("registry")]
public sealed class RegistryClientTests(RegistryFixture registry)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    RegistryClient Client => registry.Client;

    [Fact]
    public async Task An_image_pushed_by_skopeo_is_read_by_tag_and_by_digest()
    {
        var (image, digest) = await registry.PushImageAsync("client/read", "v1", new Dictionary<string, string> { ["etc/hello.txt"] = "hi" });
        var byTag = await Client.GetManifestAsync(image, Ct);
        var byDigest = await Client.GetManifestAsync(image.ByDigest(digest), Ct);
        Assert.Equal(digest, byTag.Digest);
        Assert.Equal(byTag.Content, byDigest.Content);
        var manifest = byTag.AsImage(image.ToString());
        Assert.Single(manifest.Layers);
        var config = await Client.GetBlobAsync(image.Registry, image.Repository, manifest.Config.Digest, Ct);
        Assert.Contains("rootfs", Encoding.UTF8.GetString(config), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_and_manifest_pushed_by_the_client_are_tagged_listed_and_readable_by_skopeo_tools()
    {
        var repo = "client/push";
        var layer = await Client.PushBlobAsync(registry.Host, repo, "payload"u8.ToArray(), "text/plain", Ct);
        Assert.True(await Client.BlobExistsAsync(registry.Host, repo, layer.Digest, Ct));
        var config = await Client.PushBlobAsync(registry.Host, repo, "{}"u8.ToArray(), MediaTypes.OciConfig, Ct);
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, config, [layer]);
        var digest = await Client.PutManifestAsync(registry.Host, repo, "t1", manifest.ToBytes(), MediaTypes.OciManifest, Ct);
        Assert.Equal(digest, await Client.ResolveAsync(new ImageReference(registry.Host, repo, "t1"), Ct));
        Assert.Contains("t1", await Client.ListTagsAsync(registry.Host, repo, Ct));
        Assert.Equal("payload"u8.ToArray(), await Client.GetBlobAsync(registry.Host, repo, layer.Digest, Ct));
    }

    [Fact]
    public async Task A_missing_tag_resolves_to_nothing_and_a_missing_manifest_is_a_clear_error()
    {
        var image = new ImageReference(registry.Host, "client/none", "nope");
        Assert.Null(await Client.ResolveAsync(image, Ct));
        var e = await Assert.ThrowsAsync<RegistryException>(() => Client.GetManifestAsync(image, Ct));
        Assert.Contains("client/none:nope", e.Message, StringComparison.Ordinal);
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Referrers_fall_back_to_the_tag_schema_on_a_registry_without_the_api()
    {
        var (image, digest) = await registry.PushImageAsync("client/referrers", "v1", new Dictionary<string, string> { ["a"] = "b" });
        Assert.Empty(await Client.ListReferrersAsync(image.Registry, image.Repository, digest, cancellation: Ct));
        var config = await Client.PushBlobAsync(image.Registry, image.Repository, "{}"u8.ToArray(), MediaTypes.OciConfig, Ct);
        var layer = await Client.PushBlobAsync(image.Registry, image.Repository, "sbom"u8.ToArray(), "application/spdx+json", Ct);
        var bytes = new ImageManifest(2, MediaTypes.OciManifest, config, [layer]).ToBytes();
        await Client.PutManifestAsync(image.Registry, image.Repository, null, bytes, MediaTypes.OciManifest, Ct);
        var artifact = Descriptor.Of(MediaTypes.OciManifest, bytes) with { ArtifactType = "application/spdx+json" };
        var index = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new ImageIndex(2, MediaTypes.OciIndex, [artifact]), ImageManifest.Json);
        await Client.PutManifestAsync(image.Registry, image.Repository, digest.TagPrefix, index, MediaTypes.OciIndex, Ct);
        var found = await Client.ListReferrersAsync(image.Registry, image.Repository, digest, "application/spdx+json", Ct);
        Assert.Equal(artifact.Digest, Assert.Single(found).Digest);
    }

    [Fact]
    public async Task An_unreachable_registry_is_named_in_the_error()
    {
        var e = await Assert.ThrowsAsync<RegistryException>(() => Client.ResolveAsync(ImageReference.Parse("127.0.0.1:1/x/y:z"), Ct));
        Assert.Contains("127.0.0.1:1: cannot reach the registry", e.Message, StringComparison.Ordinal);
    }
}
