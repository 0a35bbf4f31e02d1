using ClusterSnek.Stack;

namespace ClusterSnek.Kube;

/// <summary>An image that may not start: unsigned, unverified, or failed verification.</summary>
public sealed class UnverifiedImageException(string message) : Exception(message);

/// <summary>Images the pipeline did not build that clustersnek.yaml trusts, with VerifySignatures' verdicts on them.</summary>
public sealed record ExternalImages(IReadOnlyList<TrustedImage> Declared, IReadOnlyList<ImageVerdict> Verdicts)
{
    public static readonly ExternalImages None = new([], []);
}

/// <summary>
/// Deploy's first step: every image of the release must have a passed signature verification (VerifySignatures') for its exact digest.
/// Runs before any podman or helm call, so a refused release changes nothing.
/// </summary>
public static class SignatureGate
{
    public static void Require(IReadOnlyList<PinnedImage> images, IReadOnlyList<ImageVerdict> verdicts)
    {
        if (images.Count == 0) throw new UnverifiedImageException("No images to deploy: run BuildImages (and Sign) first; the record has no images.");
        var problems = new List<string>();
        foreach (var image in images)
        {
            var verdict = verdicts.FirstOrDefault(v => v.Digest == image.Digest);
            if (verdict is null) problems.Add($"{image.Service} {image.Digest}: no signature verification");
            else if (!verdict.Passed) problems.Add($"{image.Service} {image.Digest}: signature verification failed ({string.Join("; ", verdict.Reasons)})");
        }
        if (problems.Count > 0)
            throw new UnverifiedImageException($"Refusing to deploy unverified images, nothing was started: {string.Join("; ", problems)}. Run Sign and VerifySignatures for this run's digests.");
    }

    /// <summary>
    /// Every container of every rendered document (init, ephemeral, Jobs, CronJobs, helm hooks and test pods included) must
    /// run one of the release's verified digests, or a trusted external image of clustersnek.yaml whose signature verified
    /// with its declared key (<paramref name="external"/>). Nothing is exempt.
    /// </summary>
    public static void RequireEveryContainer(RenderedManifests rendered, IReadOnlyList<PinnedImage> images, ExternalImages? external = null)
    {
        var trusted = external?.Declared;
        var externalVerdicts = external?.Verdicts;
        var problems = new List<string>();
        foreach (var container in rendered.Containers().Where(c => !images.Any(i => i.Pinned == c.Image)))
        {
            var declared = trusted?.FirstOrDefault(t => t.Pinned == container.Image);
            var verdict = declared is null ? null
                : externalVerdicts?.FirstOrDefault(v => v.Service == declared.Repository && v.Digest.Value == declared.Digest);
            if (verdict is { Passed: true }) continue;
            problems.Add(declared is null
                ? $"{container}: not an image this run built, signed and verified, nor a trusted image of {StackManifest.FileName}"
                : $"{container}: declared trusted ({StackManifest.FileName}:{declared.Line}) but " +
                  (verdict is null ? "VerifySignatures has no verdict on it"
                      : $"its signature did not verify with {declared.PublicKey} ({string.Join("; ", verdict.Reasons)})"));
        }
        if (problems.Count == 0) return;
        throw new UnverifiedImageException(
            $"Refusing to deploy, nothing was started: {string.Join("; ", problems)}. " +
            $"Run only this release's images, or declare an image you trust in {StackManifest.FileName} " +
            "(trustedImages: - image: repository@sha256:<digest>, publicKey: path of its signer's public key), signed with that key; " +
            "a values file (e.g. global.tests.image.repository) cannot choose an image.");
    }

}
