using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Images.Distribution;

/// <summary>An OCI content descriptor. Property order follows the image spec (and cosign's output): mediaType, size, digest, annotations.</summary>
public sealed record Descriptor(
    [property: JsonPropertyName("mediaType"), JsonPropertyOrder(0)] string MediaType,
    [property: JsonPropertyName("size"), JsonPropertyOrder(1)] long Size,
    [property: JsonPropertyName("digest"), JsonPropertyOrder(2)] Digest Digest,
    [property: JsonPropertyName("annotations"), JsonPropertyOrder(3)] IReadOnlyDictionary<string, string>? Annotations = null,
    [property: JsonPropertyName("artifactType"), JsonPropertyOrder(4)] string? ArtifactType = null)
{
    public static Descriptor Of(string mediaType, byte[] content, IReadOnlyDictionary<string, string>? annotations = null) =>
        new(mediaType, content.LongLength, Digest.Compute(content), annotations);

    public string? Annotation(string key) => Annotations?.GetValueOrDefault(key);
}

/// <summary>An image manifest (OCI or Docker v2 schema 2; both share this shape).</summary>
public sealed record ImageManifest(
    [property: JsonPropertyName("schemaVersion"), JsonPropertyOrder(0)] int SchemaVersion,
    [property: JsonPropertyName("mediaType"), JsonPropertyOrder(1)] string? MediaType,
    [property: JsonPropertyName("config"), JsonPropertyOrder(2)] Descriptor Config,
    [property: JsonPropertyName("layers"), JsonPropertyOrder(3)] IReadOnlyList<Descriptor> Layers,
    [property: JsonPropertyName("annotations"), JsonPropertyOrder(4)] IReadOnlyDictionary<string, string>? Annotations = null,
    [property: JsonPropertyName("subject"), JsonPropertyOrder(5)] Descriptor? Subject = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The canonical bytes pushed to a registry (compact JSON); their sha256 is the manifest digest.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ImageManifest Parse(byte[] content, string source)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ImageManifest>(content, Json);
            if (manifest?.Config is null || manifest.Layers is null)
                throw new RegistryException($"{source}: not an image manifest (no config or layers).");
            return manifest;
        }
        catch (JsonException e) { throw new RegistryException($"{source}: manifest is not valid JSON: {e.Message}"); }
    }
}

/// <summary>An image index (OCI index or Docker manifest list); also the answer of the referrers API.</summary>
public sealed record ImageIndex(
    [property: JsonPropertyName("schemaVersion"), JsonPropertyOrder(0)] int SchemaVersion,
    [property: JsonPropertyName("mediaType"), JsonPropertyOrder(1)] string? MediaType,
    [property: JsonPropertyName("manifests"), JsonPropertyOrder(2)] IReadOnlyList<Descriptor> Manifests)
{
    public static ImageIndex Parse(byte[] content, string source)
    {
        try { return JsonSerializer.Deserialize<ImageIndex>(content, ImageManifest.Json) ?? throw new RegistryException($"{source}: empty index."); }
        catch (JsonException e) { throw new RegistryException($"{source}: index is not valid JSON: {e.Message}"); }
    }
}

/// <summary>A manifest as the registry served it: exact bytes, media type, and the digest of those bytes.</summary>
public sealed record ManifestContent(byte[] Content, string MediaType, Digest Digest)
{
    public ImageManifest AsImage(string source) => ImageManifest.Parse(Content, source);
    public ImageIndex AsIndex(string source) => ImageIndex.Parse(Content, source);
    public string Text => Encoding.UTF8.GetString(Content);
}

/// <summary>A registry call that failed; the message names the registry, repository, reference and status.</summary>
public sealed class RegistryException(string message, int? status = null) : Exception(message)
{
    public int? Status { get; } = status;
}
