namespace ClusterSnek.Kube;

/// <summary>The result of verifying one image's signature (what VerifySignatures reports per digest).</summary>
public sealed record SignatureVerdict(string Digest, bool Verified, string Evidence);

/// <summary>An image that may not start: unsigned, unverified, or failed verification.</summary>
public sealed class UnverifiedImageException(string message) : Exception(message);

/// <summary>
/// Deploy's first step: every image of the release must have a passed signature verification for its exact digest.
/// Runs before any podman or helm call, so a refused release changes nothing.
/// </summary>
public static class SignatureGate
{
    public static void Require(IReadOnlyList<DeployImage> images, IReadOnlyList<SignatureVerdict> verdicts)
    {
        if (images.Count == 0) throw new UnverifiedImageException("No images to deploy: run BuildImages (and Sign) first; pipeline.json has no images[].");
        var problems = new List<string>();
        foreach (var image in images)
        {
            var verdict = verdicts.FirstOrDefault(v => v.Digest == image.Digest);
            if (verdict is null) problems.Add($"{image.Service} {image.Digest}: no signature verification");
            else if (!verdict.Verified) problems.Add($"{image.Service} {image.Digest}: signature verification failed ({verdict.Evidence})");
        }
        if (problems.Count > 0)
            throw new UnverifiedImageException($"Refusing to deploy unverified images, nothing was started: {string.Join("; ", problems)}. Run Sign and VerifySignatures for this run's digests.");
    }
}
