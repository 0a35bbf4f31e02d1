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
    /// <summary>
    /// Existing attestations older than this are made again (half the verifier's --attestation-max-age-days), so a release that
    /// is re-signed by a run keeps passing the age policy (ATT006) instead of being skipped as "already signed".
    /// </summary>
    public TimeSpan RefreshAfter { get; init; } = TimeSpan.FromDays(AttestationPolicy.DefaultMaxAgeDays / 2.0);

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
            // The provenance names the commit the image was built from, which a cached build keeps, not the commit Sign runs at.
            var facts = entry.Revision is { Length: > 0 } revision ? provenance with { Commit = revision } : provenance;
            // A digest is an image's content: once it carries this key's valid signature and the attestations this run would
            // write (same SBOM, builder, commit, recent), signing it again would only add manifests to the registry run after run.
            var existing = await verifier.VerifyAsync(image, digest, cancellation: cancellation);
            if (existing.Passed && Outdated(existing, sbom, facts) is { } outdated)
                Log.Information("{Service}: signed before, but {Reason}; signing again", entry.Service, outdated);
            else if (existing.Passed)
            {
                Log.Information("{Service}: already signed and attested by this key ({Summary}); nothing pushed", entry.Service, existing.Summary);
                results.Add(new ImageSignature(entry.Service, digest, CosignFormat.SignatureTag(digest),
                    await registry.ResolveAsync(image.WithTag(CosignFormat.SignatureTag(digest)), cancellation),
                    CosignFormat.AttestationTag(digest), existing.VerifiedPredicates));
                continue;
            }
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

    /// <summary>Why the verified statements on a digest are not the ones this run would write; null when they are.</summary>
    string? Outdated(ImageVerification existing, JsonNode sbom, ProvenanceFacts facts)
    {
        var attested = existing.Statements.FirstOrDefault(s => s.PredicateType == InTotoStatement.CycloneDxPredicate)?.Predicate;
        if (attested is null || AttestationPolicy.CanonicalSha256(attested) != AttestationPolicy.CanonicalSha256(sbom))
            return "its SBOM attestation is not the SBOM Sbom wrote";
        var provenance = existing.Statements.FirstOrDefault(s => s.PredicateType == InTotoStatement.SlsaProvenancePredicate)?.Predicate;
        if (provenance?["runDetails"]?["builder"]?["id"]?.ToString() != facts.BuilderId) return $"its provenance names another builder than {facts.BuilderId}";
        var commits = (provenance["buildDefinition"]?["resolvedDependencies"] as JsonArray ?? []).Select(d => d?["digest"]?["gitCommit"]?.ToString());
        if (facts.Commit is not null && !commits.Contains(facts.Commit)) return $"its provenance names another commit than {facts.Commit}";
        if (!DateTimeOffset.TryParse(provenance["runDetails"]?["metadata"]?["finishedOn"]?.ToString(), out var finished)
            || finished < DateTimeOffset.UtcNow - RefreshAfter)
            return $"its provenance is older than {RefreshAfter.TotalDays:0.#} days";
        return null;
    }
}
