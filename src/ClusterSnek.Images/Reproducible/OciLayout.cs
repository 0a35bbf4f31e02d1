using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Images.Reproducible;

/// <summary>
/// An OCI image layout folder written byte for byte by us (oci-layout, index.json, blobs/sha256): the manifest digest is known
/// before the push, and <c>skopeo copy oci:DIR:TAG</c> pushes these exact bytes.
/// </summary>
public sealed class OciLayout(AbsolutePath directory)
{
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";

    public AbsolutePath Directory => directory;
    public AbsolutePath Blobs => directory / "blobs" / "sha256";

    public static OciLayout Create(AbsolutePath directory)
    {
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        var layout = new OciLayout(directory);
        layout.Blobs.CreateDirectory();
        File.WriteAllText(directory / "oci-layout", """{"imageLayoutVersion":"1.0.0"}""");
        return layout;
    }

    public Descriptor WriteBlob(string mediaType, byte[] content)
    {
        var descriptor = Descriptor.Of(mediaType, content);
        File.WriteAllBytes(Blobs / descriptor.Digest.Hex, content);
        return descriptor;
    }

    public byte[] ReadBlob(Digest digest) => File.ReadAllBytes(Blobs / digest.Hex);

    /// <summary>Writes config and manifest, and index.json naming the manifest by <paramref name="tag"/>; returns the manifest's descriptor.</summary>
    public Descriptor WriteImage(JsonNode config, IReadOnlyList<Descriptor> layers, string tag, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var configBlob = WriteBlob(ConfigMediaType, Encoding.UTF8.GetBytes(config.ToJsonString()));
        var manifest = new ImageManifest(2, ManifestMediaType, configBlob, layers, annotations is { Count: > 0 } ? annotations : null);
        var manifestBlob = WriteBlob(ManifestMediaType, manifest.ToBytes());
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ManifestMediaType, ["size"] = manifestBlob.Size, ["digest"] = manifestBlob.Digest.Value,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag },
            }),
        };
        File.WriteAllText(directory / "index.json", index.ToJsonString());
        return manifestBlob;
    }

    /// <summary>The manifest index.json names (the only one, or the one tagged <paramref name="tag"/>).</summary>
    public (Descriptor Descriptor, ImageManifest Manifest) ReadManifest(string? tag = null)
    {
        var index = ImageIndex.Parse(File.ReadAllBytes(directory / "index.json"), directory / "index.json");
        var entry = tag is null ? index.Manifests.Single() : index.Manifests.Single(m => m.Annotation("org.opencontainers.image.ref.name") == tag);
        return (entry, ImageManifest.Parse(ReadBlob(entry.Digest), entry.Digest.Value));
    }
}
