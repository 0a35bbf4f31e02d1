using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>Sign → verify round trips and tampering, all against the real docker-registry; every tamper must be rejected with its reason.</summary>
[Collection("registry")]
public sealed class SignAndVerifyTests(RegistryFixture registry) : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly SigningKey key = SigningKey.Generate();
    RegistryClient Client => registry.Client;

    public void Dispose() => key.Dispose();

    async Task<(ImageReference Image, Digest Digest)> SignedImageAsync(string repository, string content = "v1")
    {
        var (image, digest) = await registry.PushImageAsync(repository, "v1", new Dictionary<string, string> { ["app/version.txt"] = content });
        await new ImageSigner(Client, key).SignAsync(image, digest, Statements(image, digest), Ct);
        return (image, digest);
    }

    static IReadOnlyList<InTotoStatement> Statements(ImageReference image, Digest digest) =>
    [
        InTotoStatement.For(image, digest, InTotoStatement.CycloneDxPredicate, new JsonObject { ["bomFormat"] = "CycloneDX", ["specVersion"] = "1.5" }),
        InTotoStatement.For(image, digest, InTotoStatement.SlsaProvenancePredicate, new JsonObject { ["buildDefinition"] = new JsonObject() }),
    ];

    Task<ImageVerification> VerifyAsync(ImageReference image, Digest digest, PublicKey? with = null) =>
        new SignatureVerifier(Client, with ?? key.Public).VerifyAsync(image, digest, cancellation: Ct);

    async Task<ImageManifest> ManifestAsync(ImageReference image, string tag) =>
        (await Client.GetManifestAsync(image.WithTag(tag), Ct)).AsImage(tag);

    Task PutAsync(ImageReference image, string tag, ImageManifest manifest) =>
        Client.PutManifestAsync(image.Registry, image.Repository, tag, manifest.ToBytes(), MediaTypes.OciManifest, Ct);

    [Fact]
    public async Task A_signed_and_attested_image_verifies()
    {
        var (image, digest) = await SignedImageAsync("verify/ok");
        var result = await VerifyAsync(image, digest);
        Assert.True(result.Passed, result.Summary);
        Assert.Equal(1, result.ValidSignatures);
        Assert.Equal(SignatureVerifier.DefaultPredicates, result.VerifiedPredicates);
    }

    [Fact]
    public async Task Signing_again_replaces_this_keys_signature_instead_of_piling_up_layers()
    {
        var (image, digest) = await SignedImageAsync("verify/resign");
        await new ImageSigner(Client, key).SignAsync(image, digest, Statements(image, digest), Ct);
        Assert.Single((await ManifestAsync(image, CosignFormat.SignatureTag(digest))).Layers);
        Assert.Equal(2, (await ManifestAsync(image, CosignFormat.AttestationTag(digest))).Layers.Count);
    }

    [Fact]
    public async Task An_unsigned_image_is_rejected()
    {
        var (image, digest) = await registry.PushImageAsync("verify/unsigned", "v1", new Dictionary<string, string> { ["x"] = "y" });
        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains($"no signature: {digest.TagPrefix}.sig not found in {image.Name}", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_payload_is_rejected()
    {
        var (image, digest) = await SignedImageAsync("verify/payload");
        var tag = CosignFormat.SignatureTag(digest);
        var manifest = await ManifestAsync(image, tag);
        var original = manifest.Layers[0];
        var payload = Encoding.UTF8.GetString(await Client.GetBlobAsync(image.Registry, image.Repository, original.Digest, Ct));
        var edited = Encoding.UTF8.GetBytes(payload.Replace("\"optional\":null", "\"optional\":{\"approved\":\"yes\"}", StringComparison.Ordinal));
        var blob = await Client.PushBlobAsync(image.Registry, image.Repository, edited, CosignFormat.SimpleSigningMediaType, Ct);
        await PutAsync(image, tag, manifest with { Layers = [blob with { Annotations = original.Annotations }] });

        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains("signature does not verify with the public key", result.Summary, StringComparison.Ordinal);
        Assert.StartsWith(image.Name, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flipped_signature_bytes_are_rejected()
    {
        var (image, digest) = await SignedImageAsync("verify/flip");
        var tag = CosignFormat.SignatureTag(digest);
        var manifest = await ManifestAsync(image, tag);
        var sig = Convert.FromBase64String(manifest.Layers[0].Annotation(CosignFormat.SignatureAnnotation)!);
        sig[^3] ^= 0x01;
        var layer = manifest.Layers[0] with { Annotations = new Dictionary<string, string> { [CosignFormat.SignatureAnnotation] = Convert.ToBase64String(sig) } };
        await PutAsync(image, tag, manifest with { Layers = [layer] });

        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains("signature does not verify with the public key", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_made_for_another_digest_is_rejected()
    {
        var (image, signedDigest) = await SignedImageAsync("verify/other", "first");
        var (other, otherDigest) = await registry.PushImageAsync("verify/other", "v2", new Dictionary<string, string> { ["app/version.txt"] = "second" });
        // Copy the valid .sig (and .att) of the first image onto the second one's tags.
        await PutAsync(image, CosignFormat.SignatureTag(otherDigest), await ManifestAsync(image, CosignFormat.SignatureTag(signedDigest)));
        await PutAsync(image, CosignFormat.AttestationTag(otherDigest), await ManifestAsync(image, CosignFormat.AttestationTag(signedDigest)));

        var result = await VerifyAsync(other, otherDigest);
        Assert.False(result.Passed);
        Assert.Contains($"signature is for another digest ({signedDigest})", result.Summary, StringComparison.Ordinal);
        Assert.Contains("statement subject mismatch", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_retagged_to_a_different_digest_is_rejected()
    {
        var (image, digest) = await SignedImageAsync("verify/retag", "released");
        var (_, swapped) = await registry.PushImageAsync("verify/retag", "v1", new Dictionary<string, string> { ["app/version.txt"] = "swapped" });

        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains($"tag 'v1' now points at {swapped}, not the released digest (re-tagged)", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_checked_with_the_wrong_public_key_is_rejected()
    {
        var (image, digest) = await SignedImageAsync("verify/wrongkey");
        using var stranger = SigningKey.Generate();
        var result = await VerifyAsync(image, digest, stranger.Public);
        Assert.False(result.Passed);
        Assert.Contains("signature does not verify with the public key", result.Summary, StringComparison.Ordinal);
        Assert.Contains("DSSE signature does not verify", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attestation_whose_subject_is_another_digest_is_rejected()
    {
        var (image, digest) = await SignedImageAsync("verify/subject");
        var elsewhere = Digest.Compute("another image"u8);
        var wrong = new InTotoStatement([new StatementSubject(image.Name, elsewhere)], InTotoStatement.SlsaProvenancePredicate, new JsonObject());
        var envelope = DsseEnvelope.Sign(DsseEnvelope.InTotoPayloadType, wrong.ToBytes(), key).ToBytes();
        var blob = await Client.PushBlobAsync(image.Registry, image.Repository, envelope, CosignFormat.DsseMediaType, Ct);
        var tag = CosignFormat.AttestationTag(digest);
        var manifest = await ManifestAsync(image, tag);
        var layers = manifest.Layers.Select(l => l.Annotation(CosignFormat.PredicateTypeAnnotation) == InTotoStatement.SlsaProvenancePredicate
            ? blob with { Annotations = l.Annotations } : l).ToList();
        await PutAsync(image, tag, manifest with { Layers = layers });

        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains($"{InTotoStatement.SlsaProvenancePredicate} attestation: statement subject mismatch: it names {elsewhere}", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_attestation_is_rejected()
    {
        var (image, digest) = await registry.PushImageAsync("verify/noatt", "v1", new Dictionary<string, string> { ["x"] = "y" });
        await new ImageSigner(Client, key).SignAsync(image, digest, [], Ct);
        var result = await VerifyAsync(image, digest);
        Assert.False(result.Passed);
        Assert.Contains($"no attestations: {digest.TagPrefix}.att not found", result.Summary, StringComparison.Ordinal);
    }
}
