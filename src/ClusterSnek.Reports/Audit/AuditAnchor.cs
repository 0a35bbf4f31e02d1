using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports.Audit;

/// <summary>Where a checkout's audit head is anchored: one tag of <c>&lt;registry&gt;/clustersnek/audit</c>, moved forward every run.</summary>
public sealed record AuditAnchorReference(string Registry, string Repository, string Tag)
{
    public const string RepositoryName = "clustersnek/audit";

    public override string ToString() => $"{Registry}/{Repository}:{Tag}";

    /// <summary>
    /// The anchor of this checkout in <paramref name="registryAddress"/> (host[:port][/namespace]): on GitHub Actions one per run
    /// attempt (each run starts from a fresh checkout), else one per machine and checkout folder.
    /// </summary>
    public static AuditAnchorReference For(string registryAddress, AbsolutePath root, Func<string, string?> environment)
    {
        var slash = registryAddress.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? registryAddress : registryAddress[..slash];
        var repository = slash < 0 ? RepositoryName : $"{registryAddress[(slash + 1)..].Trim('/')}/{RepositoryName}";
        return new AuditAnchorReference(host, repository, CheckoutTag(root, environment));
    }

    static string CheckoutTag(AbsolutePath root, Func<string, string?> environment)
    {
        if (environment("GITHUB_ACTIONS") == "true" && environment("GITHUB_RUN_ID") is { Length: > 0 } run)
            return $"gh-{run}-{environment("GITHUB_RUN_ATTEMPT") ?? "1"}";
        var identity = $"{Environment.MachineName}\n{root.Value}";
        return "checkout-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }
}

/// <summary>An anchored copy of the log as the registry holds it: the signed head, the log text, and when and for what it was pushed.</summary>
public sealed record AnchoredLog(AuditAnchorReference Reference, Digest Manifest, AuditHead Head, string Log, DateTimeOffset? Created, string? Release)
{
    public override string ToString() => $"{Reference}@{Manifest.Value[..19]}…";
}

/// <summary>
/// The audit head anchored outside the checkout: an OCI artifact (config = the signed head, one layer = the log itself) pushed
/// under the checkout's tag of <c>&lt;registry&gt;/clustersnek/audit</c>, annotated with the release it belongs to.
/// </summary>
public sealed class AuditAnchor(RegistryClient client, AuditAnchorReference reference)
{
    public const string HeadMediaType = "application/vnd.clustersnek.audit.head.v1+json";
    public const string LogMediaType = "application/vnd.clustersnek.audit.log.v1+jsonl";
    public const string EntriesAnnotation = "dev.clustersnek.audit.entries";
    public const string HeadAnnotation = "dev.clustersnek.audit.head";
    public const string KeyIdAnnotation = "dev.clustersnek.audit.key-id";
    public const string ReleaseAnnotation = "dev.clustersnek.audit.release";
    public const string ReplacesAnnotation = "dev.clustersnek.audit.replaces";
    const string CreatedAnnotation = "org.opencontainers.image.created";

    public AuditAnchorReference Reference => reference;

    /// <summary>
    /// The anchored log, or null when this checkout has none yet; a registry that cannot be reached throws <see cref="RegistryException"/>.
    /// </summary>
    public async Task<AnchoredLog?> FetchAsync(CancellationToken ct = default)
    {
        var image = new ImageReference(reference.Registry, reference.Repository, reference.Tag);
        if (await client.ResolveAsync(image, ct) is null) return null;
        var content = await client.GetManifestAsync(image, ct);
        var manifest = content.AsImage(image.ToString());
        if (manifest.Config.MediaType != HeadMediaType || manifest.Layers.Count != 1 || manifest.Layers[0].MediaType != LogMediaType)
            throw new AuditAnchorException(
                $"{image}: not a ClusterSnek audit anchor (config {manifest.Config.MediaType}); something else was pushed under this tag.");
        var headBytes = await client.GetBlobAsync(reference.Registry, reference.Repository, manifest.Config.Digest, ct);
        var log = Encoding.UTF8.GetString(await client.GetBlobAsync(reference.Registry, reference.Repository, manifest.Layers[0].Digest, ct));
        AuditHead head;
        try { head = JsonSerializer.Deserialize<AuditHead>(headBytes, AuditHead.Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new AuditAnchorException($"{image}: the anchored head is not valid JSON ({e.Message})."); }
        var created = manifest.Annotations?.GetValueOrDefault(CreatedAnnotation) is { } c
            && DateTimeOffset.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
        return new AnchoredLog(reference, content.Digest, head, log, created, manifest.Annotations?.GetValueOrDefault(ReleaseAnnotation));
    }

    /// <summary>Pushes the log and its signed head as the checkout's anchor (moving its tag forward); returns the manifest digest.</summary>
    public async Task<Digest> PushAsync(string log, AuditHead head, string? release, string? replaces = null, DateTimeOffset? now = null,
        CancellationToken ct = default)
    {
        var headBytes = JsonSerializer.SerializeToUtf8Bytes(head, AuditHead.Json);
        var logBytes = Encoding.UTF8.GetBytes(log);
        var config = await client.PushBlobAsync(reference.Registry, reference.Repository, headBytes, HeadMediaType, ct);
        var layer = await client.PushBlobAsync(reference.Registry, reference.Repository, logBytes, LogMediaType, ct);
        var annotations = new Dictionary<string, string>
        {
            [CreatedAnnotation] = (now ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            [EntriesAnnotation] = head.Entries.ToString(CultureInfo.InvariantCulture),
            [HeadAnnotation] = head.Head,
            [KeyIdAnnotation] = head.KeyId,
        };
        if (release is { Length: > 0 }) annotations[ReleaseAnnotation] = Redactor.Redact(release);
        if (replaces is { Length: > 0 }) annotations[ReplacesAnnotation] = replaces;
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, config, [layer], annotations);
        return await client.PutManifestAsync(reference.Registry, reference.Repository, reference.Tag, manifest.ToBytes(), MediaTypes.OciManifest, ct);
    }
}

/// <summary>Something other than an audit anchor sits under the checkout's tag: not "no registry", a tampered anchor.</summary>
public sealed class AuditAnchorException(string message) : Exception(message);
