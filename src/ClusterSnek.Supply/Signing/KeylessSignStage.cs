using ClusterSnek.Pipeline;
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
        var provenanceFile = work / "provenance.json";
        await File.WriteAllTextAsync(provenanceFile, Redactor.Redact(provenance.ToPredicate().ToJsonString()), cancellation);
        var signatures = new List<ImageSignature>();
        foreach (var (entry, (image, digest), sbom) in plan)
        {
            await cosign.SignAsync(image, digest, cancellation);
            await cosign.AttestAsync(image, digest, sbom, CosignCli.TypeName(InTotoStatement.CycloneDxPredicate), cancellation);
            await cosign.AttestAsync(image, digest, provenanceFile, CosignCli.TypeName(InTotoStatement.SlsaProvenancePredicate), cancellation);
            signatures.Add(new ImageSignature(entry.Service, digest, CosignFormat.SignatureTag(digest), null, CosignFormat.AttestationTag(digest),
                [InTotoStatement.CycloneDxPredicate, InTotoStatement.SlsaProvenancePredicate]));
            Log.Information("{Service}: signed and attested keyless with cosign", entry.Service);
        }
        return new SigningRecord(SignerKind.CosignKeyless, null, null, false, CosignCli.GitHubIssuer, null, signatures);
    }

    /// <summary>Verifies keyless signatures with cosign: the certificate must name a workflow of <paramref name="identityRegexp"/>; fails closed.</summary>
    public static async Task<IReadOnlyList<ImageVerdict>> VerifyAsync(CosignCli cosign, IReadOnlyList<ImageEntry> images, string identityRegexp, CancellationToken cancellation = default)
    {
        var verdicts = new List<ImageVerdict>();
        foreach (var entry in images)
        {
            var (image, digest) = (entry.Repository, entry.Digest);
            var result = await cosign.VerifyKeylessAsync(image, digest, identityRegexp, cancellation);
            if (result.Succeeded) Log.Information("verified (keyless): {Image}@{Digest}", image.Name, digest.Value);
            else Log.Error("REJECTED {Service}: {Image}@{Digest}: {Reason}", entry.Service, image.Name, digest.Value, result.LastErrorLine);
            verdicts.Add(new ImageVerdict(entry.Service, digest, result.Succeeded, result.Succeeded ? [] : [$"cosign verify (keyless): {result.LastErrorLine}"]));
        }
        return verdicts;
    }
}
