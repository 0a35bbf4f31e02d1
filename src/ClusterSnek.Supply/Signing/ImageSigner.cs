using System.Text;
using ClusterSnek.Images.Distribution;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>What signing one image left in the registry.</summary>
public sealed record SignedImage(ImageReference Image, Digest Digest, string SignatureTag, Digest SignatureManifest, string? AttestationTag, Digest? AttestationManifest, IReadOnlyList<string> PredicateTypes);

/// <summary>
/// Signs an image digest natively in cosign's key-based layout: a simple-signing payload with its signature annotation at
/// <c>sha256-&lt;hex&gt;.sig</c>, and DSSE-wrapped in-toto statements at <c>sha256-&lt;hex&gt;.att</c>, in the image's repository.
/// </summary>
public sealed class ImageSigner(RegistryClient registry, SigningKey key)
{
    public async Task<SignedImage> SignAsync(ImageReference image, Digest digest, IReadOnlyList<InTotoStatement> attestations, CancellationToken cancellation = default)
    {
        if (await registry.ResolveAsync(image.ByDigest(digest), cancellation) is null)
            throw new SigningException($"{image.Name}@{digest}: the image is not in the registry; nothing was signed.");

        var payload = SimpleSigningPayload.For(image, digest).ToBytes();
        var signature = Convert.ToBase64String(key.Sign(payload));
        var layer = await registry.PushBlobAsync(image.Registry, image.Repository, payload, CosignFormat.SimpleSigningMediaType, cancellation);
        layer = layer with { Annotations = new Dictionary<string, string> { [CosignFormat.SignatureAnnotation] = signature } };

        // Keep signatures made by other keys (cosign appends); replace the ones this key made before.
        var sigTag = CosignFormat.SignatureTag(digest);
        var existing = (await ExistingLayersAsync(image, sigTag, cancellation)).Where(l => l.MediaType == CosignFormat.SimpleSigningMediaType).ToList();
        var kept = await FilterAsync(image, existing, cancellation);
        var sigManifest = await PushManifestAsync(image, sigTag, [.. kept, layer], cancellation);
        Log.Information("Signed {Image}@{Digest} → :{Tag}", image.Name, digest.Value, sigTag);

        if (attestations.Count == 0) return new SignedImage(image, digest, sigTag, sigManifest, null, null, []);

        var attTag = CosignFormat.AttestationTag(digest);
        var attLayers = new List<Descriptor>();
        foreach (var statement in attestations)
        {
            if (!statement.Subjects.Any(s => s.Digest == digest))
                throw new SigningException($"{image.Name}@{digest}: the {statement.PredicateType} statement does not name this digest; refusing to attach it.");
            var envelope = DsseEnvelope.Sign(DsseEnvelope.InTotoPayloadType, statement.ToBytes(), key).ToBytes();
            var d = await registry.PushBlobAsync(image.Registry, image.Repository, envelope, CosignFormat.DsseMediaType, cancellation);
            attLayers.Add(d with
            {
                Annotations = new Dictionary<string, string>
                {
                    [CosignFormat.SignatureAnnotation] = "",
                    [CosignFormat.PredicateTypeAnnotation] = statement.PredicateType,
                },
            });
        }
        var types = attestations.Select(a => a.PredicateType).ToHashSet(StringComparer.Ordinal);
        var otherAtt = (await ExistingLayersAsync(image, attTag, cancellation))
            .Where(l => l.Annotation(CosignFormat.PredicateTypeAnnotation) is not { } t || !types.Contains(t)).ToList();
        var attManifest = await PushManifestAsync(image, attTag, [.. otherAtt, .. attLayers], cancellation);
        Log.Information("Attested {Image}@{Digest} → :{Tag} ({Types})", image.Name, digest.Value, attTag, string.Join(", ", types));
        return new SignedImage(image, digest, sigTag, sigManifest, attTag, attManifest, [.. types]);
    }

    async Task<List<Descriptor>> FilterAsync(ImageReference image, List<Descriptor> layers, CancellationToken cancellation)
    {
        var result = new List<Descriptor>();
        foreach (var l in layers)
            if (!await SignedByThisKeyAsync(image, l, cancellation)) result.Add(l);
        return result;
    }

    async Task<bool> SignedByThisKeyAsync(ImageReference image, Descriptor layer, CancellationToken cancellation)
    {
        if (layer.Annotation(CosignFormat.SignatureAnnotation) is not { Length: > 0 } sig) return false;
        try
        {
            var payload = await registry.GetBlobAsync(image.Registry, image.Repository, layer.Digest, cancellation);
            return key.Public.Verify(payload, Convert.FromBase64String(sig));
        }
        catch (Exception e) when (e is RegistryException or FormatException) { return false; }
    }

    async Task<IReadOnlyList<Descriptor>> ExistingLayersAsync(ImageReference image, string tag, CancellationToken cancellation)
    {
        var reference = image.WithTag(tag);
        if (await registry.ResolveAsync(reference, cancellation) is null) return [];
        return (await registry.GetManifestAsync(reference, cancellation)).AsImage(reference.ToString()).Layers;
    }

    async Task<Digest> PushManifestAsync(ImageReference image, string tag, IReadOnlyList<Descriptor> layers, CancellationToken cancellation)
    {
        var config = await registry.PushBlobAsync(image.Registry, image.Repository, CosignFormat.ConfigFor(layers), MediaTypes.OciConfig, cancellation);
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, config, layers);
        return await registry.PutManifestAsync(image.Registry, image.Repository, tag, manifest.ToBytes(), MediaTypes.OciManifest, cancellation);
    }

    /// <summary>For messages and tests: the payload bytes this signer signs for an image.</summary>
    public static string PayloadText(ImageReference image, Digest digest) => Encoding.UTF8.GetString(SimpleSigningPayload.For(image, digest).ToBytes());
}
