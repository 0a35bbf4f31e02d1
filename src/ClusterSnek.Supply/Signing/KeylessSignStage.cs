using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// Sign with the cosign CLI, keyless (GitHub OIDC → Fulcio certificate, Rekor entry): the same signature and attestations
/// as the native path, written by cosign itself. Used only when <see cref="CosignCli.Choose"/> says so.
/// </summary>
public sealed class KeylessSignStage(CosignCli cosign, AbsolutePath sbomDirectory, AbsolutePath work)
{
    public async Task RunAsync(IReadOnlyList<ReleaseImage> images, ProvenanceFacts provenance, CancellationToken cancellation = default)
    {
        var plan = images.Select(i => (Entry: i, Ref: i.Parse(), Sbom: Sbom.SbomStage.FileFor(sbomDirectory, i))).ToList();
        foreach (var p in plan.Where(p => !File.Exists(p.Sbom)))
            throw new SigningException($"{p.Entry.Service}: no SBOM at {p.Sbom}; run the Sbom target first (Sign depends on it).");
        work.CreateDirectory();
        var provenanceFile = work / "provenance.json";
        await File.WriteAllTextAsync(provenanceFile, Redactor.Redact(provenance.ToPredicate().ToJsonString()), cancellation);
        foreach (var (entry, (image, digest), sbom) in plan)
        {
            await cosign.SignAsync(image, digest, cancellation);
            await cosign.AttestAsync(image, digest, sbom, CosignCli.TypeName(InTotoStatement.CycloneDxPredicate), cancellation);
            await cosign.AttestAsync(image, digest, provenanceFile, CosignCli.TypeName(InTotoStatement.SlsaProvenancePredicate), cancellation);
            RunRecord.Current?.Patch("images", "service", entry.Service, new
            {
                signature = new { signer = "cosign-keyless", tag = CosignFormat.SignatureTag(digest), attestations = CosignFormat.AttestationTag(digest) },
            });
            Log.Information("{Service}: signed and attested keyless with cosign", entry.Service);
        }
        RunRecord.Current?.Set("signing", new { signer = "cosign-keyless", issuer = CosignCli.GitHubIssuer });
    }

    /// <summary>Verifies keyless signatures with cosign: the certificate must name a workflow of <paramref name="identityRegexp"/>; fails closed.</summary>
    public static async Task VerifyAsync(CosignCli cosign, IReadOnlyList<ReleaseImage> images, string identityRegexp, CancellationToken cancellation = default)
    {
        var failures = new List<string>();
        foreach (var entry in images)
        {
            var (image, digest) = entry.Parse();
            var result = await cosign.VerifyKeylessAsync(image, digest, identityRegexp, cancellation);
            if (result.Succeeded) Log.Information("verified (keyless): {Image}@{Digest}", image.Name, digest.Value);
            else failures.Add($"{entry.Service}: {image.Name}@{digest}: {result.LastErrorLine}");
            RunRecord.Current?.Patch("images", "service", entry.Service, new { signatureVerification = new { passed = result.Succeeded, signer = "cosign-keyless" } });
        }
        if (failures.Count > 0)
            throw new SigningException($"Keyless signature verification failed for {failures.Count} of {images.Count} image(s): {string.Join(" | ", failures)}");
    }
}
