namespace ClusterSnek.Kube;

/// <summary>An image that may not start: unsigned, unverified, or failed verification.</summary>
public sealed class UnverifiedImageException(string message) : Exception(message);

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
    /// run exactly one of the release's verified digests. Nothing is exempt: a hook runs in the cluster like any other pod.
    /// </summary>
    public static void RequireEveryContainer(RenderedManifests rendered, IReadOnlyList<PinnedImage> images)
    {
        var foreign = rendered.Containers().Where(c => !images.Any(i => i.Pinned == c.Image)).ToList();
        if (foreign.Count == 0) return;
        throw new UnverifiedImageException(
            $"Refusing to deploy, nothing was started: {string.Join("; ", foreign)} — not an image this run built, signed and verified. " +
            "Images the pipeline did not build are not accepted yet (trusted external images pinned by digest in clustersnek.yaml: issue #14); " +
            "remove it from the chart or values (e.g. global.tests.image.repository) so the release runs only its own images.");
    }
}
