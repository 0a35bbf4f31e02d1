using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>The VerifySignatures stage: every release image must verify, else the run stops naming each image and reason.</summary>
public sealed class VerifyStage(RegistryClient registry, PublicKey key)
{
    public async Task<IReadOnlyList<ImageVerification>> RunAsync(IReadOnlyList<ReleaseImage> images, CancellationToken cancellation = default)
    {
        var verifier = new SignatureVerifier(registry, key);
        var results = new List<ImageVerification>();
        var failures = new List<string>();
        foreach (var entry in images)
        {
            string summary;
            bool passed;
            string[] reasons;
            try
            {
                var (image, digest) = entry.Parse();
                var result = await verifier.VerifyAsync(image, digest, cancellation: cancellation);
                results.Add(result);
                (passed, summary, reasons) = (result.Passed, result.Summary, [.. result.Reasons]);
            }
            catch (ArgumentException e) { (passed, summary, reasons) = (false, e.Message, [e.Message]); }
            if (passed) Log.Information("verified: {Summary}", summary);
            else { Log.Error("REJECTED {Service}: {Summary}", entry.Service, summary); failures.Add($"{entry.Service}: {summary}"); }
            RunRecord.Current?.Patch("images", "service", entry.Service, new { signatureVerification = new { passed, reasons, keyId = key.KeyId } });
        }
        if (failures.Count > 0)
            throw new SigningException($"Signature verification failed for {failures.Count} of {images.Count} image(s): {string.Join(" | ", failures)}");
        return results;
    }
}
