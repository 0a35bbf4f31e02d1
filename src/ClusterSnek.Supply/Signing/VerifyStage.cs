using ClusterSnek.Images.Distribution;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The VerifySignatures stage: every release image is checked against the public key, then what its verified attestations say is
/// judged by the Rego attestation policies; the verdicts are returned (for the record) and <see cref="EnsurePassed"/> stops the run
/// naming each rejected image and its reason.
/// </summary>
public sealed class VerifyStage(RegistryClient registry, PublicKey key)
{
    /// <summary>The expected facts the attestation policies compare with; null: signatures and attestation subjects only.</summary>
    public AttestationPolicy? Policy { get; init; }

    /// <summary>The Rego attestation policies (required with <see cref="Policy"/>).</summary>
    public AttestationRego? Rego { get; init; }

    public async Task<IReadOnlyList<ImageVerdict>> RunAsync(IReadOnlyList<ImageEntry> images, CancellationToken cancellation = default)
    {
        var verifier = new SignatureVerifier(registry, key);
        var verified = new List<(ImageVerdict, IReadOnlyList<AttestationInput>)>();
        foreach (var entry in images)
        {
            // With its release tag: a tag moved to another digest since Promote is refused ("re-tagged").
            var result = await verifier.VerifyAsync(entry.Repository.WithTag(entry.Tag), entry.Digest, cancellation: cancellation);
            if (!result.Passed) Log.Error("REJECTED {Service}: {Summary}", entry.Service, result.Summary);
            else if (Policy is null) Log.Information("verified: {Summary}", result.Summary);
            verified.Add((new ImageVerdict(entry.Service, entry.Digest, result.Passed, result.Passed ? [] : [.. result.Reasons]),
                result.Statements.Select(s => new AttestationInput(entry.Service, entry.Repository, entry.Digest, s)).ToList()));
        }
        if (Policy is null) return [.. verified.Select(v => v.Item1)];
        return await JudgeAsync(verified, Policy, Rego ?? throw new InvalidOperationException("VerifyStage.Policy needs VerifyStage.Rego."), cancellation);
    }

    /// <summary>
    /// Runs the attestation policies on the verified statements of each image whose signature and attestations verified; an image
    /// passes only when every policy passes on every one of its statements. Each failure names the policy, field, expected and found value.
    /// </summary>
    public static async Task<IReadOnlyList<ImageVerdict>> JudgeAsync(IReadOnlyList<(ImageVerdict Verdict, IReadOnlyList<AttestationInput> Statements)> verified,
        AttestationPolicy policy, AttestationRego rego, CancellationToken cancellation = default)
    {
        var judged = verified.Where(v => v.Verdict.Passed).SelectMany(v => v.Statements).ToList();
        var failures = await rego.EvaluateAsync(judged, policy, cancellation);
        var verdicts = new List<ImageVerdict>();
        foreach (var (verdict, statements) in verified)
        {
            if (!verdict.Passed) { verdicts.Add(verdict); continue; }
            var reasons = statements.SelectMany(s => failures[judged.IndexOf(s)]
                .Select(f => $"{AttestationPolicy.PredicateName(s.Statement.PredicateType)} attestation refused by policy: {f}")).ToList();
            if (reasons.Count == 0)
                Log.Information("verified: {Service} {Digest}: signature and {Count} attestation(s) verified, {Policies} attestation policies passed",
                    verdict.Service, verdict.Digest.Value, statements.Count, rego.PolicyIds.Count);
            else Log.Error("REJECTED {Service}: {Image}@{Digest}: {Reasons}", verdict.Service, statements[0].Image.Name, verdict.Digest.Value, string.Join("; ", reasons));
            verdicts.Add(verdict with { Passed = reasons.Count == 0, Reasons = reasons });
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
