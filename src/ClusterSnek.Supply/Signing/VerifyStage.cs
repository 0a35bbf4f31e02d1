using ClusterSnek.Images.Distribution;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The VerifySignatures stage: every release image is checked against the public key; the verdicts are returned (for the
/// record) and <see cref="EnsurePassed"/> stops the run naming each rejected image and its reason.
/// </summary>
public sealed class VerifyStage(RegistryClient registry, PublicKey key)
{
    /// <summary>What the attestations must say (provenance build type, builder, commit; SBOM content); null: signatures only.</summary>
    public AttestationPolicy? Policy { get; init; }

    public async Task<IReadOnlyList<ImageVerdict>> RunAsync(IReadOnlyList<ImageEntry> images, CancellationToken cancellation = default)
    {
        var verifier = new SignatureVerifier(registry, key) { Policy = Policy };
        var verdicts = new List<ImageVerdict>();
        foreach (var entry in images)
        {
            var result = await verifier.VerifyAsync(entry.Repository, entry.Digest, cancellation: cancellation);
            if (result.Passed) Log.Information("verified: {Summary}", result.Summary);
            else Log.Error("REJECTED {Service}: {Summary}", entry.Service, result.Summary);
            verdicts.Add(new ImageVerdict(entry.Service, entry.Digest, result.Passed, result.Passed ? [] : [.. result.Reasons]));
        }
        return verdicts;
    }

    /// <summary>
    /// Verifies each image the pipeline did not build (clustersnek.yaml trustedImages) with the key declared for it: a cosign
    /// signature on exactly that digest; no attestations are required of an image someone else built.
    /// </summary>
    public static async Task<IReadOnlyList<ImageVerdict>> ExternalAsync(RegistryClient registry,
        IReadOnlyList<(ImageReference Image, Digest Digest, PublicKey Key)> images, CancellationToken cancellation = default)
    {
        var verdicts = new List<ImageVerdict>();
        foreach (var (image, digest, key) in images)
        {
            var result = await new SignatureVerifier(registry, key).VerifyAsync(image, digest, [], cancellation);
            if (result.Passed) Log.Information("verified trusted external image: {Summary}", result.Summary);
            else Log.Error("REJECTED trusted external image {Summary}", result.Summary);
            verdicts.Add(new ImageVerdict(image.Name, digest, result.Passed, result.Passed ? [] : [.. result.Reasons]));
        }
        return verdicts;
    }

    /// <summary>Fails closed: no verdict, or any rejected image, stops the run with every image and reason named.</summary>
    public static void EnsurePassed(IReadOnlyList<ImageVerdict> verdicts)
    {
        var failures = verdicts.Where(v => !v.Passed).Select(v => $"{v.Service}: {string.Join("; ", v.Reasons)}").ToList();
        if (verdicts.Count == 0) throw new SigningException("No image was verified: the record holds no images (run BuildImages first).");
        if (failures.Count > 0)
            throw new SigningException($"Signature verification failed for {failures.Count} of {verdicts.Count} image(s): {string.Join(" | ", failures)}");
    }
}
