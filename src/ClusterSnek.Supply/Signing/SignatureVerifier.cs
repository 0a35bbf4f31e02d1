using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Signing;

/// <summary>The verdict for one image: passed only when a signature and every required attestation verified.</summary>
public sealed record ImageVerification(ImageReference Image, Digest Digest, bool Passed, IReadOnlyList<string> Reasons, int ValidSignatures, IReadOnlyList<string> VerifiedPredicates)
{
    /// <summary>The in-toto statements whose DSSE signature verified with the key and whose subject is the digest (one per predicate).</summary>
    public IReadOnlyList<InTotoStatement> Statements { get; init; } = [];

    /// <summary>One line naming the image and why it failed (or that it passed).</summary>
    public string Summary => Passed
        ? $"{Image.Name}@{Digest}: signature and {VerifiedPredicates.Count} attestation(s) verified"
        : $"{Image.Name}@{Digest}: {string.Join("; ", Reasons)}";
}

/// <summary>
/// Verifies what <see cref="ImageSigner"/> (or cosign with a key) wrote: the tag still points at the released digest,
/// a simple-signing payload names that digest and repository and its ECDSA signature verifies with the public key,
/// and each required attestation is a DSSE envelope signed by the key whose in-toto subject is the digest (what cosign's own
/// verification checks). What the verified statements say is judged by the Rego attestation policies (<see cref="AttestationRego"/>,
/// run by <see cref="VerifyStage"/>). Fails closed.
/// </summary>
public sealed class SignatureVerifier(RegistryClient registry, PublicKey key)
{
    public static readonly IReadOnlyList<string> DefaultPredicates = [InTotoStatement.CycloneDxPredicate, InTotoStatement.SlsaProvenancePredicate];

    /// <param name="image">The image; when it carries a tag too, the tag must still point at <paramref name="digest"/>.</param>
    public async Task<ImageVerification> VerifyAsync(ImageReference image, Digest digest, IReadOnlyList<string>? requiredPredicates = null, CancellationToken cancellation = default)
    {
        var reasons = new List<string>();
        try
        {
            if (image.Tag is { } tag)
            {
                var current = await registry.ResolveAsync(image.WithTag(tag), cancellation);
                if (current is null) reasons.Add($"tag '{tag}' no longer exists");
                else if (current != digest) reasons.Add($"tag '{tag}' now points at {current}, not the released digest (re-tagged)");
            }
            if (await registry.ResolveAsync(image.ByDigest(digest), cancellation) is null)
                return Fail(image, digest, [.. reasons, "the image digest is not in the registry"]);

            var valid = await VerifySignaturesAsync(image, digest, reasons, cancellation);
            var statements = await VerifyAttestationsAsync(image, digest, requiredPredicates ?? DefaultPredicates, reasons, cancellation);
            var passed = reasons.Count == 0 && valid > 0;
            return new ImageVerification(image, digest, passed, reasons, valid, [.. statements.Select(s => s.PredicateType)]) { Statements = statements };
        }
        catch (Exception e) when (e is RegistryException or SigningException or FormatException)
        {
            return Fail(image, digest, [.. reasons, e.Message]);
        }
    }

    static ImageVerification Fail(ImageReference image, Digest digest, IReadOnlyList<string> reasons) => new(image, digest, false, reasons, 0, []);

    async Task<int> VerifySignaturesAsync(ImageReference image, Digest digest, List<string> reasons, CancellationToken cancellation)
    {
        var sigRef = image.WithTag(CosignFormat.SignatureTag(digest));
        if (await registry.ResolveAsync(sigRef, cancellation) is null)
        {
            reasons.Add($"no signature: {sigRef.Tag} not found in {image.Name}");
            return 0;
        }
        var manifest = (await registry.GetManifestAsync(sigRef, cancellation)).AsImage(sigRef.ToString());
        var layers = manifest.Layers.Where(l => l.MediaType == CosignFormat.SimpleSigningMediaType).ToList();
        if (layers.Count == 0) { reasons.Add($"{sigRef.Tag} has no {CosignFormat.SimpleSigningMediaType} layer"); return 0; }

        var valid = 0;
        var failures = new List<string>();
        foreach (var layer in layers)
        {
            var failure = await CheckSignatureLayerAsync(image, digest, layer, cancellation);
            if (failure is null) valid++; else failures.Add(failure);
        }
        // cosign's rule: one valid signature by the key suffices; others (other keys) are not an error.
        if (valid == 0) reasons.Add(string.Join("; ", failures.Distinct()));
        return valid;
    }

    async Task<string?> CheckSignatureLayerAsync(ImageReference image, Digest digest, Descriptor layer, CancellationToken cancellation)
    {
        if (layer.Annotation(CosignFormat.SignatureAnnotation) is not { Length: > 0 } encoded)
            return $"signature layer {layer.Digest} has no {CosignFormat.SignatureAnnotation} annotation";
        byte[] signature;
        try { signature = Convert.FromBase64String(encoded); }
        catch (FormatException) { return "signature annotation is not base64"; }
        byte[] payload;
        try { payload = await registry.GetBlobAsync(image.Registry, image.Repository, layer.Digest, cancellation); }
        catch (RegistryException e) { return $"signature payload unavailable: {e.Message}"; }

        if (!key.Verify(payload, signature))
            return $"signature does not verify with the public key {key.KeyId[..19]}… (payload or signature altered, or signed by another key)";
        var parsed = SimpleSigningPayload.Parse(payload, $"{image.Name}:{CosignFormat.SignatureTag(digest)}");
        if (parsed.Type != CosignFormat.SignatureType) return $"payload type is '{parsed.Type}', not '{CosignFormat.SignatureType}'";
        if (parsed.ManifestDigest != digest) return $"signature is for another digest ({parsed.ManifestDigest}), not {digest}";
        if (!SameRepository(parsed.DockerReference, image.Name)) return $"signature names repository '{parsed.DockerReference}', not '{image.Name}'";
        return null;
    }

    // cosign writes Docker Hub names as index.docker.io/...; the image may be named docker.io/... (same repository).
    static bool SameRepository(string signed, string expected)
    {
        static string Normal(string name) => name.StartsWith("index.docker.io/", StringComparison.Ordinal) ? "docker.io/" + name["index.docker.io/".Length..] : name;
        return Normal(signed) == Normal(expected);
    }

    async Task<IReadOnlyList<InTotoStatement>> VerifyAttestationsAsync(ImageReference image, Digest digest, IReadOnlyList<string> required, List<string> reasons, CancellationToken cancellation)
    {
        if (required.Count == 0) return [];
        var attRef = image.WithTag(CosignFormat.AttestationTag(digest));
        if (await registry.ResolveAsync(attRef, cancellation) is null)
        {
            reasons.Add($"no attestations: {attRef.Tag} not found in {image.Name}");
            return [];
        }
        var manifest = (await registry.GetManifestAsync(attRef, cancellation)).AsImage(attRef.ToString());
        var verified = new List<InTotoStatement>();
        foreach (var predicate in required)
        {
            var layers = manifest.Layers.Where(l => l.MediaType == CosignFormat.DsseMediaType && l.Annotation(CosignFormat.PredicateTypeAnnotation) == predicate).ToList();
            if (layers.Count == 0) { reasons.Add($"no {predicate} attestation"); continue; }
            var failures = new List<string>();
            foreach (var layer in layers)
            {
                var (statement, failure) = await CheckAttestationAsync(image, digest, predicate, layer, cancellation);
                if (statement is not null) { verified.Add(statement); break; }
                failures.Add(failure!);
            }
            if (!verified.Any(s => s.PredicateType == predicate)) reasons.Add($"{predicate} attestation: {string.Join("; ", failures.Distinct())}");
        }
        return verified;
    }

    /// <summary>The statement when the layer's DSSE envelope verifies with the key and speaks about the digest; else why not.</summary>
    async Task<(InTotoStatement? Statement, string? Failure)> CheckAttestationAsync(ImageReference image, Digest digest, string predicate, Descriptor layer, CancellationToken cancellation)
    {
        var source = $"{image.Name}:{CosignFormat.AttestationTag(digest)}";
        var envelope = DsseEnvelope.Parse(await registry.GetBlobAsync(image.Registry, image.Repository, layer.Digest, cancellation), source);
        if (envelope.PayloadType != DsseEnvelope.InTotoPayloadType) return (null, $"payloadType is '{envelope.PayloadType}', not {DsseEnvelope.InTotoPayloadType}");
        if (!envelope.VerifiedBy(key)) return (null, "DSSE signature does not verify with the public key (envelope altered or signed by another key)");
        return Bound(InTotoStatement.Parse(envelope.PayloadBytes(), source), digest, predicate);
    }

    /// <summary>
    /// A verified statement counts for this image only when it is of the predicate asked for and its subject is the digest (cosign's
    /// own check); the ATT001 policy checks the subject again, for statements that come from cosign's output.
    /// </summary>
    internal static (InTotoStatement? Statement, string? Failure) Bound(InTotoStatement statement, Digest digest, string predicate)
    {
        if (statement.PredicateType != predicate) return (null, $"statement predicateType is '{statement.PredicateType}', the layer says '{predicate}'");
        if (!statement.Subjects.Any(s => s.Digest == digest))
            return (null, $"statement subject mismatch: it names {string.Join(", ", statement.Subjects.Select(s => s.Digest.Value))}, not {digest}");
        return (statement, null);
    }
}
