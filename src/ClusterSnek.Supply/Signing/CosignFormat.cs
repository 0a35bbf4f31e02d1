using System.Text;
using System.Text.Json;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Signing;

/// <summary>Names and media types of cosign's registry layout (sigstore/cosign specs/SIGNATURE_SPEC.md, ATTESTATION_SPEC.md).</summary>
public static class CosignFormat
{
    public const string SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string DsseMediaType = "application/vnd.dsse.envelope.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";
    public const string PredicateTypeAnnotation = "predicateType";
    public const string SignatureType = "cosign container image signature";

    public static string SignatureTag(Digest image) => image.TagPrefix + ".sig";
    public static string AttestationTag(Digest image) => image.TagPrefix + ".att";

    /// <summary>
    /// The config blob of a signature or attestation manifest: an empty image whose rootfs lists the layers,
    /// the shape cosign's container library writes.
    /// </summary>
    public static byte[] ConfigFor(IEnumerable<Descriptor> layers)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("architecture", "");
            w.WriteString("created", "0001-01-01T00:00:00Z");
            w.WriteStartArray("history");
            w.WriteStartObject(); w.WriteString("created", "0001-01-01T00:00:00Z"); w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("os", "");
            w.WriteStartObject("rootfs");
            w.WriteString("type", "layers");
            w.WriteStartArray("diff_ids");
            foreach (var l in layers) w.WriteStringValue(l.Digest.Value);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("config"); w.WriteEndObject();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }
}

/// <summary>
/// cosign's simple-signing payload: what a key signs for an image. The bytes are compact JSON in a fixed key order
/// (critical.identity.docker-reference, critical.image.docker-manifest-digest, critical.type, optional), byte-identical to cosign's.
/// </summary>
public sealed record SimpleSigningPayload(string DockerReference, Digest ManifestDigest, string Type)
{
    public static SimpleSigningPayload For(ImageReference image, Digest digest) => new(image.Name, digest, CosignFormat.SignatureType);

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }))
        {
            w.WriteStartObject();
            w.WriteStartObject("critical");
            w.WriteStartObject("identity"); w.WriteString("docker-reference", DockerReference); w.WriteEndObject();
            w.WriteStartObject("image"); w.WriteString("docker-manifest-digest", ManifestDigest.Value); w.WriteEndObject();
            w.WriteString("type", Type);
            w.WriteEndObject();
            w.WriteNull("optional");
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>Reads a payload; the digest key is matched case-insensitively, as cosign's reader (and the spec's "Docker-manifest-digest" example) does.</summary>
    public static SimpleSigningPayload Parse(byte[] content, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(content);
            var critical = Property(doc.RootElement, "critical") ?? throw new SigningException($"{source}: payload has no 'critical' section.");
            var identity = Property(critical, "identity");
            var reference = identity is { } i ? Property(i, "docker-reference")?.GetString() ?? "" : "";
            var digestText = Property(critical, "image") is { } img ? Property(img, "docker-manifest-digest")?.GetString() : null;
            var type = Property(critical, "type")?.GetString() ?? "";
            if (!Digest.TryParse(digestText, out var digest))
                throw new SigningException($"{source}: payload has no valid critical.image.docker-manifest-digest ('{digestText}').");
            return new SimpleSigningPayload(reference, digest!, type);
        }
        catch (JsonException e) { throw new SigningException($"{source}: payload is not JSON: {e.Message}"); }
    }

    static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in element.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}
