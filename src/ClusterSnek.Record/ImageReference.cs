using System.Text.RegularExpressions;

namespace ClusterSnek.Record;

/// <summary>
/// An image reference, <c>host[:port]/repository[:tag][@sha256:hex]</c>. A first component without a dot, a colon or
/// "localhost" is a Docker Hub path (docker.io, with "library/" for single names), as docker and cosign read it.
/// </summary>
public sealed partial record ImageReference
{
    public const string DockerHub = "docker.io";

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryShape();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagShape();

    [GeneratedRegex(@"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$")]
    private static partial Regex HostShape();

    public ImageReference(string registry, string repository, string? tag = null, Digest? digest = null)
    {
        if (string.IsNullOrEmpty(registry) || !HostShape().IsMatch(registry))
            throw new FormatException($"'{registry}' is not a registry host[:port].");
        if (string.IsNullOrEmpty(repository) || !RepositoryShape().IsMatch(repository))
            throw new FormatException($"'{repository}' is not a repository name (lower-case path components separated by '/').");
        if (tag is not null && !TagShape().IsMatch(tag))
            throw new FormatException($"'{tag}' is not a tag (letters, digits, '_', '.', '-', at most 128).");
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    public string Registry { get; }
    public string Repository { get; }
    public string? Tag { get; }
    public Digest? Digest { get; }

    /// <summary>Registry and repository without tag or digest, e.g. <c>127.0.0.1:5000/clustersnek/backend</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>What the registry API addresses: the digest when known, else the tag, else "latest".</summary>
    public string Reference => Digest?.Value ?? Tag ?? "latest";

    /// <summary>Loopback registries are spoken to over plain HTTP, as docker and skopeo allow for them.</summary>
    public bool IsLoopback => IsLoopbackHost(Registry);

    public static bool IsLoopbackHost(string registry)
    {
        var host = registry.StartsWith('[') ? registry[..(registry.IndexOf(']') + 1)] : registry.Split(':')[0];
        return host is "localhost" or "[::1]" || host.StartsWith("127.", StringComparison.Ordinal);
    }

    public ImageReference WithTag(string tag) => new(Registry, Repository, tag, null);
    public ImageReference ByDigest(Digest digest) => new(Registry, Repository, null, digest);

    public static ImageReference Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var rest = text.Trim();
        Digest? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var d = rest[(at + 1)..];
            if (!Digest.TryParse(d, out digest)) throw new FormatException($"'{text}': '{d}' is not a sha256 digest.");
            rest = rest[..at];
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/')) { tag = rest[(colon + 1)..]; rest = rest[..colon]; }

        var slash = rest.IndexOf('/');
        var first = slash < 0 ? "" : rest[..slash];
        var (registry, repository) = slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost" || first.StartsWith('['))
            ? (first, rest[(slash + 1)..])
            : (DockerHub, slash < 0 ? "library/" + rest : rest);
        try { return new ImageReference(registry, repository, tag, digest); }
        catch (FormatException e) { throw new FormatException($"'{text}' is not an image reference: {e.Message}"); }
    }

    public static bool TryParse(string text, out ImageReference? reference)
    {
        try { reference = Parse(text); return true; }
        catch (Exception e) when (e is FormatException or ArgumentException) { reference = null; return false; }
    }

    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest.Value);
}

/// <summary>Reads and writes an <see cref="ImageReference"/> as its string form.</summary>
public sealed class ImageReferenceJsonConverter : System.Text.Json.Serialization.JsonConverter<ImageReference>
{
    public override ImageReference Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        try { return ImageReference.Parse(reader.GetString()!); }
        catch (Exception e) when (e is FormatException or ArgumentException) { throw new System.Text.Json.JsonException(e.Message); }
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ImageReference value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
