using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>
/// Staging → release. BuildImages pushes each image to its staging repository (&lt;repository&gt;/staging/&lt;service&gt;); Scan and
/// Sbom read it there; <see cref="PromoteAsync"/> copies the manifest, by digest, to the release repository under the release
/// tag (blobs cross-mounted, so the digest cannot change) only for images whose scan passed. A blocked image is never
/// pullable by the release reference. <see cref="CheckAsync"/> is the same registry check for a replayed (cached) record: the
/// recorded tag still points at the recorded digest, and that image is labelled as the service, built from the recorded commit.
/// </summary>
public sealed class ImagePromotion(RegistryClient registry)
{
    /// <summary>Null when the registry holds the recorded image as recorded; else one line naming the service and what differs.</summary>
    public async Task<string?> CheckAsync(ImageEntry image, CancellationToken cancellation = default)
    {
        var staged = ImageReference.Parse(image.Staging ?? image.Reference);
        var current = await registry.ResolveAsync(staged.WithTag(image.Tag), cancellation);
        if (current is null) return $"{image.Service}: tag '{image.Tag}' is no longer in {staged.Name}";
        if (current != image.Digest)
            return $"{image.Service}: tag '{image.Tag}' of {staged.Name} now points at {current}, not the recorded {image.Digest} (re-tagged)";
        var labels = await LabelsAsync(staged.ByDigest(image.Digest), cancellation);
        var title = labels.GetValueOrDefault(ImageLabels.Title);
        if (title != image.Service)
            return $"{image.Service}: {staged.Name}@{image.Digest} is labelled {ImageLabels.Title}={title ?? "(none)"}, "
                + $"not {image.Service}: another service's image";
        var revision = labels.GetValueOrDefault(ImageLabels.Revision);
        if (image.Revision is not null && revision != image.Revision)
            return $"{image.Service}: {staged.Name}@{image.Digest} is labelled {ImageLabels.Revision}={revision ?? "(none)"}, "
                + $"not the recorded {image.Revision}";
        return null;
    }

    /// <summary>The first refusal among the images (checked in order), or null when every one is as recorded.</summary>
    public async Task<string?> CheckAllAsync(IEnumerable<ImageEntry> images, CancellationToken cancellation = default)
    {
        foreach (var image in images)
            if (await CheckAsync(image, cancellation) is { } refusal) return refusal;
        return null;
    }

    /// <summary>
    /// Copies each image from staging to release@tag after checking it again (the registry could have changed since the scan);
    /// every image is checked before the first is promoted, so a refusal promotes none.
    /// </summary>
    public async Task PromoteAsync(IReadOnlyList<ImageEntry> images, CancellationToken cancellation = default)
    {
        foreach (var image in images)
            if (await CheckAsync(image, cancellation) is { } refusal)
                throw new InvalidOperationException($"Promotion refused: {refusal}. Nothing was promoted; run ./build.sh BuildImages --no-cache.");
        foreach (var image in images)
        {
            if (image.Staging is null || image.Staging == image.Reference) continue; // a record from before staging: already there
            var staged = ImageReference.Parse(image.Staging).ByDigest(image.Digest);
            var release = ImageReference.Parse(image.Reference);
            if (release.Registry != staged.Registry)
                throw new InvalidOperationException($"{image.Service}: staging {staged.Name} and release {release.Name} are in different registries; "
                    + "promotion copies within one.");
            var manifest = await registry.GetManifestAsync(staged, cancellation);
            var parsed = manifest.AsImage(staged.ToString());
            foreach (var blob in parsed.Layers.Prepend(parsed.Config))
                await registry.MountBlobAsync(release.Registry, release.Repository, staged.Repository, blob, cancellation);
            var pushed = await registry.PutManifestAsync(release.Registry, release.Repository, image.Tag, manifest.Content, manifest.MediaType,
                cancellation);
            if (pushed != image.Digest || await registry.ResolveAsync(release.WithTag(image.Tag), cancellation) != image.Digest)
                throw new InvalidOperationException($"{image.Service}: promoted {release.Name}:{image.Tag} does not resolve to {image.Digest}.");
            Log.Information("Promoted {Service}: {Staging} → {Release}:{Tag}@{Digest}", image.Service, staged.Name, release.Name, image.Tag,
                image.Digest.Value[..19]);
        }
    }

    /// <summary>Null when the recorded scan passed the gate for exactly this digest; else why the image may not be released.</summary>
    public static string? ScanVerdict(ScanRecord? scan, ImageEntry image)
    {
        if (scan is null) return "no scan is recorded";
        var result = scan.Images.FirstOrDefault(r => r.Digest == image.Digest);
        if (result is null) return $"no scan of {image.Digest} is recorded";
        return result.Gate.Passed ? null : $"the scan gate blocked {image.Digest}: {result.Gate.Reason}";
    }

    async Task<IReadOnlyDictionary<string, string>> LabelsAsync(ImageReference image, CancellationToken cancellation)
    {
        var manifest = (await registry.GetManifestAsync(image, cancellation)).AsImage(image.ToString());
        var config = JsonNode.Parse(await registry.GetBlobAsync(image.Registry, image.Repository, manifest.Config.Digest, cancellation));
        return (config?["config"]?["Labels"] as JsonObject)?.ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "") ?? [];
    }
}
