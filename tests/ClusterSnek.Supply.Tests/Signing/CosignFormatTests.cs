using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>Interop: the bytes and layout ClusterSnek writes match cosign's specs (fixtures in Fixtures/, written from the specs).</summary>
[Collection("registry")]
public sealed partial class CosignFormatTests(RegistryFixture registry)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    [GeneratedRegex("\"(size)\":\\d+|\"(digest)\":\"sha256:[a-f0-9]{64}\"|\"(dev\\.cosignproject\\.cosign/signature)\":\"[A-Za-z0-9+/=]+\"")]
    private static partial Regex Variable();

    static string Normalise(string json) => Variable().Replace(json, m =>
        m.Groups[1].Success ? "\"size\":\"<size>\"" : m.Groups[2].Success ? "\"digest\":\"<digest>\"" : "\"dev.cosignproject.cosign/signature\":\"<base64 DER>\"");

    [Fact]
    public void The_payload_bytes_are_cosigns_simple_signing_payload()
    {
        var image = ImageReference.Parse("127.0.0.1:5000/clustersnek/backend:1.0");
        var digest = new Digest("sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36");
        Assert.Equal(Fixture("cosign-simplesigning-payload.spec.json"), Encoding.UTF8.GetString(SimpleSigningPayload.For(image, digest).ToBytes()));
    }

    [Fact]
    public void The_specs_capitalised_payload_example_is_read_too()
    {
        var spec = """{"critical":{"identity":{"docker-reference":"testing/manifest"},"image":{"Docker-manifest-digest":"sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36"},"type":"cosign container image signature"},"optional":{"creator":"atomic","timestamp":1458239713}}""";
        var p = SimpleSigningPayload.Parse(Encoding.UTF8.GetBytes(spec), "spec example");
        Assert.Equal(("testing/manifest", "sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36"), (p.DockerReference, p.ManifestDigest.Value));
    }

    [Fact]
    public void The_DSSE_pre_authentication_encoding_matches_the_DSSE_spec_example()
    {
        var pae = DsseEnvelope.Pae("http://example.com/HelloWorld", "hello world"u8.ToArray());
        Assert.Equal("DSSEv1 29 http://example.com/HelloWorld 11 hello world", Encoding.UTF8.GetString(pae));
    }

    [Fact]
    public void A_DSSE_envelope_verifies_only_with_its_key_and_unchanged_payload()
    {
        using var key = SigningKey.Generate();
        using var other = SigningKey.Generate();
        var envelope = DsseEnvelope.Sign(DsseEnvelope.InTotoPayloadType, "{}"u8.ToArray(), key);
        Assert.True(envelope.VerifiedBy(key.Public));
        Assert.False(envelope.VerifiedBy(other.Public));
        Assert.False((envelope with { Payload = Convert.ToBase64String("{ }"u8) }).VerifiedBy(key.Public));
        Assert.False((envelope with { PayloadType = "text/plain" }).VerifiedBy(key.Public));
    }

    [Fact]
    public async Task The_signature_and_attestation_manifests_have_the_layout_of_cosigns_spec()
    {
        using var key = SigningKey.Generate();
        var (image, digest) = await registry.PushImageAsync("interop/layout", "v1", new Dictionary<string, string> { ["f"] = "1" });
        var sbom = InTotoStatement.For(image, digest, InTotoStatement.CycloneDxPredicate, new JsonObject { ["bomFormat"] = "CycloneDX" });
        await new ImageSigner(registry.Client, key).SignAsync(image, digest, [sbom], Ct);

        var sig = await registry.Client.GetManifestAsync(image.WithTag(digest.TagPrefix + ".sig"), Ct);
        var att = await registry.Client.GetManifestAsync(image.WithTag(digest.TagPrefix + ".att"), Ct);
        Assert.Equal(MediaTypes.OciManifest, sig.MediaType);
        Assert.Equal(Fixture("cosign-signature-manifest.spec.json"), Normalise(sig.Text));
        Assert.Equal(Fixture("cosign-attestation-manifest.spec.json"), Normalise(att.Text));

        var layer = sig.AsImage("sig").Layers[0];
        var payload = await registry.Client.GetBlobAsync(image.Registry, image.Repository, layer.Digest, Ct);
        Assert.Equal(ImageSigner.PayloadText(image, digest), Encoding.UTF8.GetString(payload));
        Assert.True(key.Public.Verify(payload, Convert.FromBase64String(layer.Annotation(CosignFormat.SignatureAnnotation)!)));
    }

    [Fact]
    public void The_public_key_is_PEM_SubjectPublicKeyInfo_as_in_cosign_pub()
    {
        using var key = SigningKey.Generate();
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", key.Public.Pem, StringComparison.Ordinal);
        Assert.EndsWith("-----END PUBLIC KEY-----\n", key.Public.Pem, StringComparison.Ordinal);
    }
}
