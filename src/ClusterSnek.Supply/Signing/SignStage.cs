using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The Sign stage: each image digest gets a signature and two attestations (its CycloneDX SBOM, SLSA v1 provenance),
/// then is verified straight away with the public key, so a run never reports a signature that would not verify.
/// </summary>
public sealed class SignStage(RegistryClient registry, SigningIdentity identity, AbsolutePath sbomDirectory, AbsolutePath root)
{
    public async Task<SigningRecord> RunAsync(IReadOnlyList<ImageEntry> images, ProvenanceFacts provenance, CancellationToken cancellation = default)
    {
        // Everything is read and checked before the first push: no half-signed release.
        var plan = new List<(ImageEntry Entry, ImageReference Image, Digest Digest, JsonNode Sbom)>();
        foreach (var entry in images)
        {
            var (image, digest) = (entry.Repository, entry.Digest);
            var sbomFile = Sbom.SbomStage.FileFor(sbomDirectory, entry);
            if (!File.Exists(sbomFile))
                throw new SigningException($"{entry.Service}: no SBOM at {new AbsolutePath(sbomFile).RelativeTo(root)}; run the Sbom target first (Sign depends on it).");
            plan.Add((entry, image, digest, JsonNode.Parse(await File.ReadAllTextAsync(sbomFile, cancellation))!));
        }

        var signer = new ImageSigner(registry, identity.Key);
        var verifier = new SignatureVerifier(registry, identity.Key.Public);
        var results = new List<ImageSignature>();
        foreach (var (entry, image, digest, sbom) in plan)
        {
            // A digest is an image's content: once it carries this key's valid signature and attestations, signing it again
            // would only add manifests to the registry run after run.
            if (await verifier.VerifyAsync(image, digest, cancellation: cancellation) is { Passed: true } existing)
            {
                Log.Information("{Service}: already signed and attested by this key ({Summary}); nothing pushed", entry.Service, existing.Summary);
                results.Add(new ImageSignature(entry.Service, digest, CosignFormat.SignatureTag(digest),
                    await registry.ResolveAsync(image.WithTag(CosignFormat.SignatureTag(digest)), cancellation),
                    CosignFormat.AttestationTag(digest), existing.VerifiedPredicates));
                continue;
            }
            // The provenance names the commit the image was built from, which a cached build keeps, not the commit Sign runs at.
            var facts = entry.Revision is { Length: > 0 } revision ? provenance with { Commit = revision } : provenance;
            var predicate = JsonNode.Parse(Redactor.Redact(facts.ToPredicate(digest).ToJsonString()))!;
            var statements = new[]
            {
                InTotoStatement.For(image, digest, InTotoStatement.CycloneDxPredicate, sbom),
                InTotoStatement.For(image, digest, InTotoStatement.SlsaProvenancePredicate, predicate),
            };
            var signed = await signer.SignAsync(image, digest, statements, cancellation);
            var check = await verifier.VerifyAsync(image, digest, cancellation: cancellation);
            if (!check.Passed) throw new SigningException($"{entry.Service}: the signature just written does not verify: {check.Summary}");
            results.Add(new ImageSignature(entry.Service, digest, signed.SignatureTag, signed.SignatureManifest, signed.AttestationTag, signed.PredicateTypes));
        }
        Log.Information("{Count} image(s) signed with {Key} ({KeyId})", results.Count, identity.IsDevelopmentKey ? "the development key" : "the project key", identity.KeyId);
        var key = new AbsolutePath(identity.PublicKeyPath);
        var shown = key.IsInside(root) ? key.RelativeTo(root) : key.Value;
        return new SigningRecord(SignerKind.Native, shown, identity.KeyId, identity.IsDevelopmentKey, null,
            "cosign verify --key " + shown + " --insecure-ignore-tlog IMAGE@DIGEST", results);
    }
}

