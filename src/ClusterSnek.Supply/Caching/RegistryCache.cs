using System.Globalization;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;
using Serilog;

namespace ClusterSnek.Supply.Caching;

/// <summary>An OCI repository that holds cache entries: <c>host[:port]/path</c>, parsed from --cache, CLUSTERSNEK_CACHE or clustersnek.yaml.</summary>
public sealed record CacheRepository(string Registry, string Repository)
{
    public override string ToString() => $"{Registry}/{Repository}";

    /// <summary>
    /// host[:port]/path (no tag, no digest); a path in upper case is lowered (OCI repository names are lower case, and GitHub's
    /// owner/name often is not). A wrong reference is a usage error naming <paramref name="origin"/>.
    /// </summary>
    public static CacheRepository Parse(string reference, string origin)
    {
        var text = reference.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1 || text.Contains('@', StringComparison.Ordinal) || text.Contains("://", StringComparison.Ordinal)
            || text[(slash + 1)..].Contains(':', StringComparison.Ordinal) || text.Any(char.IsWhiteSpace))
            throw new UsageException($"{origin} '{reference}': expected an OCI repository host[:port]/path without tag or digest, e.g. ghcr.io/org/app/cache or 127.0.0.1:5000/clustersnek/cache; or 'off'.");
        return new CacheRepository(text[..slash], text[(slash + 1)..].Trim('/').ToLowerInvariant());
    }
}

/// <summary>
/// The shared cache in an OCI repository. An entry is an OCI manifest tagged <c>&lt;target&gt;-&lt;input hash&gt;</c>: its config is a
/// DSSE envelope (payload: the engine's entry, which names its outputs' archive digest) signed by the pipeline's signing identity,
/// its one layer (when there are outputs) the outputs' archive. Read: the envelope must verify with the trust root and be about the
/// asked target and key; anything else is refused. An unreachable registry is said once and the run goes on without it; a
/// registry that refuses writes (a fork's read-only token) makes the run read-only, said once.
/// </summary>
public sealed class RegistryCache(RegistryClient client, CacheRepository repository, Func<CancellationToken, Task> ready,
    Func<SigningIdentity> signer, Func<(PublicKey Key, string Name)> trust, bool readOnly) : ISharedCache
{
    public const string EnvelopeMediaType = "application/vnd.dsse.envelope.v1+json";
    public const string PayloadType = "application/vnd.clustersnek.cache.entry.v1+json";
    public const string OutputsMediaType = "application/vnd.clustersnek.cache.outputs.v1.tar+gzip";
    public const string TargetAnnotation = "dev.clustersnek.cache.target";
    public const string KeyIdAnnotation = "dev.clustersnek.cache.key-id";
    public const string CreatedAnnotation = "org.opencontainers.image.created";

    bool unreachable;
    string? unverifiable;
    bool writesRefused = readOnly;
    bool isReady;

    public string Location => repository.ToString();

    public string? Unusable => unreachable ? $"{Location} cannot be reached" : unverifiable is not null ? "its entries cannot be verified here" : null;

    public static string TagOf(string target, string key) => $"{target.ToLowerInvariant()}-{key}";

    async Task<bool> ReadyAsync(CancellationToken cancellation)
    {
        if (unreachable) return false;
        if (isReady) return true;
        try { await ready(cancellation); isReady = true; return true; }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Unreachable(e.Message);
            return false;
        }
    }

    void Unreachable(string why)
    {
        if (unreachable) return;
        unreachable = true;
        Log.Warning("Shared cache {Cache} cannot be reached ({Why}): running without it", Location, why.Split('\n')[0]);
    }

    public async Task<SharedCacheHit?> FetchAsync(string target, string key, CancellationToken cancellation)
    {
        if (!await ReadyAsync(cancellation) || Trusted() is not var (trusted, trustName)) return null;
        using var trustedKey = trusted;
        var reference = new ImageReference(repository.Registry, repository.Repository, TagOf(target, key));
        ManifestContent content;
        try
        {
            if (await client.ResolveAsync(reference, cancellation) is null) return null;
            content = await client.GetManifestAsync(reference, cancellation);
        }
        catch (RegistryException e) when (e.Status is null or >= 500 or 401 or 403)
        {
            Unreachable(e.Message);
            return null;
        }
        var where = $"{Location}:{reference.Reference[..Math.Min(reference.Reference.Length, target.Length + 13)]}…@{content.Digest.Value[..19]}";
        ImageManifest manifest;
        try { manifest = content.AsImage(where); }
        catch (RegistryException e) { throw new SharedCacheRefusedException($"{where}: {e.Message}"); }
        if (manifest.Config.MediaType != EnvelopeMediaType || manifest.Layers.Count > 1 || manifest.Layers.Any(l => l.MediaType != OutputsMediaType))
            throw new SharedCacheRefusedException($"{where} is not a ClusterSnek cache entry (config {manifest.Config.MediaType})");
        DsseEnvelope envelope;
        try { envelope = DsseEnvelope.Parse(await client.GetBlobAsync(repository.Registry, repository.Repository, manifest.Config.Digest, cancellation), where); }
        catch (Exception e) when (e is SigningException or RegistryException) { throw new SharedCacheRefusedException(e.Message); }
        if (envelope.PayloadType != PayloadType)
            throw new SharedCacheRefusedException($"{where}: its envelope carries {envelope.PayloadType}, not {PayloadType}");
        if (!envelope.VerifiedBy(trustedKey))
            throw new SharedCacheRefusedException($"{where}: its signature does not verify with {trustName} (key {trustedKey.KeyId[..19]}…); it was signed by another key or changed after signing");
        byte[]? outputs = null;
        if (manifest.Layers.Count == 1)
        {
            try { outputs = await client.GetBlobAsync(repository.Registry, repository.Repository, manifest.Layers[0].Digest, cancellation); }
            catch (RegistryException e) { throw new SharedCacheRefusedException($"{where}: its outputs cannot be read ({e.Message})"); }
        }
        return new SharedCacheHit(envelope.PayloadBytes(), outputs, where);
    }

    /// <summary>The key entries must verify with; null (said once) when there is none, and then nothing is read.</summary>
    (PublicKey, string)? Trusted()
    {
        if (unverifiable is not null) return null;
        try { return trust(); }
        catch (SigningException e)
        {
            unverifiable = e.Message;
            Log.Warning("Shared cache {Cache}: its entries cannot be verified here ({Why}): none is read", Location, e.Message);
            return null;
        }
    }

    public async Task<string?> PublishAsync(string target, string key, byte[] entry, byte[]? outputs, CancellationToken cancellation)
    {
        if (writesRefused || !await ReadyAsync(cancellation)) return null;
        using var identity = signer();
        // An entry nobody can verify is no use: only a run whose signing key is the trust root writes (CI without the project key reads).
        if (Trusted() is not var (trusted, trustName))
        {
            writesRefused = true;
            return null;
        }
        using (trusted)
            if (trusted.KeyId != identity.KeyId)
            {
                writesRefused = true;
                Log.Warning("Shared cache {Cache}: entries are not written: this run signs with {Key} (key {KeyId}…), which {Trust} does not accept. " +
                    "Sign with the project key (--signing-key, cosign.pub committed) to share", Location, identity.PublicKeyPath, identity.KeyId[..19], trustName);
                return null;
            }
        var envelope = DsseEnvelope.Sign(PayloadType, entry, identity.Key).ToBytes();
        var tag = TagOf(target, key);
        try
        {
            var config = await client.PushBlobAsync(repository.Registry, repository.Repository, envelope, EnvelopeMediaType, cancellation);
            IReadOnlyList<Descriptor> layers = outputs is null ? []
                : [await client.PushBlobAsync(repository.Registry, repository.Repository, outputs, OutputsMediaType, cancellation)];
            var annotations = new Dictionary<string, string>
            {
                [CreatedAnnotation] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                [TargetAnnotation] = target,
                [KeyIdAnnotation] = identity.KeyId,
            };
            var manifest = new ImageManifest(2, MediaTypes.OciManifest, config, layers, annotations);
            var digest = await client.PutManifestAsync(repository.Registry, repository.Repository, tag, manifest.ToBytes(), MediaTypes.OciManifest, cancellation);
            return $"{Location}:{tag[..Math.Min(tag.Length, target.Length + 13)]}…@{digest.Value[..19]}";
        }
        catch (RegistryException e) when (e.Status is 401 or 403)
        {
            writesRefused = true;
            Log.Warning("Shared cache {Cache} refuses writes ({Status}: a read-only token, e.g. a fork's pull request?): entries are read, not written",
                Location, e.Status);
            return null;
        }
    }
}
