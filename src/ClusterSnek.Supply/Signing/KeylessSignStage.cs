using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// Sign with the cosign CLI, keyless (GitHub OIDC → Fulcio certificate, Rekor entry): the same signature and attestations
/// as the native path, written by cosign itself. Used only when <see cref="CosignCli.Choose"/> says so.
/// </summary>
public sealed class KeylessSignStage(CosignCli cosign, AbsolutePath sbomDirectory, AbsolutePath work)
{
    public async Task<SigningRecord> RunAsync(IReadOnlyList<ImageEntry> images, ProvenanceFacts provenance, CancellationToken cancellation = default)
    {
        var plan = images.Select(i => (Entry: i, Ref: (i.Repository, i.Digest), Sbom: Sbom.SbomStage.FileFor(sbomDirectory, i))).ToList();
        foreach (var p in plan.Where(p => !File.Exists(p.Sbom)))
            throw new SigningException($"{p.Entry.Service}: no SBOM at {p.Sbom}; run the Sbom target first (Sign depends on it).");
        work.CreateDirectory();
        var signatures = new List<ImageSignature>();
        foreach (var (entry, (image, digest), sbom) in plan)
        {
            // As the native signer: the provenance names the commit the image was built from (a cached build keeps it), which is
            // what the ATT004 policy expects.
            var facts = entry.Revision is { Length: > 0 } revision ? provenance with { Commit = revision } : provenance;
            var provenanceFile = work / $"{entry.FileName}.provenance.json";
            await File.WriteAllTextAsync(provenanceFile, Redactor.Redact(facts.ToPredicate(digest).ToJsonString()), cancellation);
            await cosign.SignAsync(image, digest, cancellation);
            await cosign.AttestAsync(image, digest, sbom, CosignCli.TypeName(InTotoStatement.CycloneDxPredicate), cancellation);
            await cosign.AttestAsync(image, digest, provenanceFile, CosignCli.TypeName(InTotoStatement.SlsaProvenancePredicate), cancellation);
            signatures.Add(new ImageSignature(entry.Service, digest, CosignFormat.SignatureTag(digest), null, CosignFormat.AttestationTag(digest),
                [InTotoStatement.CycloneDxPredicate, InTotoStatement.SlsaProvenancePredicate]));
            Log.Information("{Service}: signed and attested keyless with cosign", entry.Service);
        }
        return new SigningRecord(SignerKind.CosignKeyless, null, null, false, CosignCli.GitHubIssuer, null, signatures);
    }

    /// <summary>
    /// Verifies keyless with cosign: the signature (<c>cosign verify</c>) and, for each required predicate, the attestations
    /// (<c>cosign verify-attestation --type …</c>), each certificate naming a workflow of <paramref name="identityRegexp"/> and
    /// GitHub's issuer. The statements cosign returns go through the same Rego attestation policies as the native path. An image
    /// passes only when its signature, every required attestation and every policy verified; fails closed.
    /// </summary>
    public static async Task<IReadOnlyList<ImageVerdict>> VerifyAsync(CosignCli cosign, IReadOnlyList<ImageEntry> images, string identityRegexp,
        AttestationPolicy policy, AttestationRego rego, CancellationToken cancellation = default)
    {
        var verified = new List<(ImageVerdict, IReadOnlyList<AttestationInput>)>();
        foreach (var entry in images)
        {
            var (image, digest) = (entry.Repository, entry.Digest);
            var reasons = new List<string>();
            var statements = new List<AttestationInput>();
            var signature = await cosign.VerifyKeylessAsync(image, digest, identityRegexp, cancellation);
            if (!signature.Succeeded) reasons.Add($"cosign verify (keyless): {signature.LastErrorLine}");
            foreach (var predicate in SignatureVerifier.DefaultPredicates)
            {
                var result = await cosign.VerifyAttestationKeylessAsync(image, digest, predicate, identityRegexp, cancellation);
                var found = Statements(result, image, digest, predicate, reasons);
                statements.AddRange(found.Select(s => new AttestationInput(entry.Service, image, digest, s)));
            }
            if (reasons.Count > 0) Log.Error("REJECTED {Service}: {Image}@{Digest}: {Reasons}", entry.Service, image.Name, digest.Value, string.Join("; ", reasons));
            verified.Add((new ImageVerdict(entry.Service, digest, reasons.Count == 0, reasons), statements));
        }
        return await VerifyStage.JudgeAsync(verified, policy, rego, cancellation);
    }

    /// <summary>The verified statements of one predicate about the digest; a failed call, no statement or a wrong subject adds a reason.</summary>
    internal static IReadOnlyList<InTotoStatement> Statements(ToolResult result, ImageReference image, Digest digest,
        string predicate, List<string> reasons)
    {
        var what = $"cosign verify-attestation --type {CosignCli.TypeName(predicate)} (keyless)";
        if (!result.Succeeded) { reasons.Add($"{what}: {result.LastErrorLine}"); return []; }
        IReadOnlyList<InTotoStatement> parsed;
        try { parsed = CosignCli.ParseVerifiedAttestations(result.StandardOutput, $"{what} on {image.Name}@{digest}"); }
        catch (SigningException e) { reasons.Add(e.Message); return []; }
        var bound = parsed.Select(s => SignatureVerifier.Bound(s, digest, predicate)).ToList();
        var statements = bound.Where(b => b.Statement is not null).Select(b => b.Statement!).Take(1).ToList();
        if (statements.Count == 0)
            reasons.Add(bound.Count == 0 ? $"{what}: cosign verified no {predicate} attestation"
                : $"{predicate} attestation: {string.Join("; ", bound.Select(b => b.Failure).Distinct())}");
        return statements;
    }
}
