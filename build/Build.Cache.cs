using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Caching;
using ClusterSnek.Supply.Signing;

// The shared cache (docs/caching.md): entries of shareable targets in an OCI repository, signed by the pipeline's signing identity.
partial class Build
{
    [Parameter("Shared cache: the OCI repository cache entries go to and come from (e.g. ghcr.io/org/app/cache), or 'off'. " +
        "Default: clustersnek.yaml cache.repository, else <registry>/<registry.repository>/cache")]
    public string? Cache { get; set; }

    [Parameter("Read the shared cache, never write to it (a fork's pull request, a laptop that should not publish)")]
    public bool CacheReadOnly { get; set; }

    [Parameter("CachePrune: list what would be deleted, delete nothing")]
    public bool DryRun { get; set; }

    RegistryClient? cacheClient;

    /// <summary>The shared cache's repository and where that choice came from; null when it is off.</summary>
    (CacheRepository Repository, string Origin)? SharedCacheRepository()
    {
        var (reference, origin) = Cache is { Length: > 0 } given ? (given, "--cache")
            : Manifest.Cache.Repository is { Length: > 0 } declared ? (declared, $"{ClusterSnek.Stack.StackManifest.FileName} cache.repository")
            : ($"{RegistryAddress}/{Manifest.Registry.Repository}/cache", "the default cache (the run's registry)");
        return reference.Trim().ToLowerInvariant() is "off" or "none" or "false" ? null : (CacheRepository.Parse(reference, origin), origin);
    }

    protected override ISharedCache? OpenSharedCache()
    {
        if (SharedCacheRepository() is not var (repository, origin)) return null;
        var embedded = Registry is null && repository.Registry == RegistryAddress;
        Serilog.Log.Debug("Shared cache {Cache} ({Origin})", repository, origin);
        cacheClient ??= new RegistryClient(DockerConfigCredentials.Load());
        return new RegistryCache(cacheClient, repository, async ct => { if (embedded) await EnsureRegistryAsync(ct); },
            SigningIdentityFor, CacheTrust, CacheReadOnly);
    }

    /// <summary>
    /// The key shared entries must verify with: the same trust root as VerifySignatures (never a key from artifacts/). On a local run
    /// without one yet, the development key is made first, as Sign and Report would, so a fresh clone can read what it wrote.
    /// </summary>
    (PublicKey Key, string Name) CacheTrust()
    {
        TrustRoot trust;
        lock (SigningKeyGate)
        {
            try { trust = VerificationTrustRoot(); }
            catch (SigningException) when (!RequireSigningKey && Environment.GetEnvironmentVariable("CI") != "true")
            {
                SigningIdentityFor().Dispose();
                trust = VerificationTrustRoot();
            }
        }
        return (PublicKey.Load(trust.PublicKey), $"the trust root {trust.PublicKey} ({trust.Source})");
    }

    Target CachePrune => _ => _
        .Description("Delete shared cache entries past clustersnek.yaml's cache retention (age, entries per target) (.nuke/cache trims itself to --cache-size-limit)")
        .Executes(async ct =>
        {
            if (SharedCacheRepository() is not var (repository, _))
            {
                Serilog.Log.Information("The shared cache is off; nothing to prune there");
                return;
            }
            if (Registry is null && repository.Registry == RegistryAddress) await EnsureRegistryAsync(ct);
            using var client = new RegistryClient(DockerConfigCredentials.Load());
            var result = await CachePruner.PruneAsync(client, repository, DateTimeOffset.UtcNow, Manifest.Cache.RetentionDays,
                Manifest.Cache.KeepPerTarget, DryRun, ct);
            foreach (var tag in result.Deleted) Serilog.Log.Information("{Verb} {Repository}:{Tag}", DryRun ? "Would delete" : "Deleted", repository, tag);
            Run.Note($"{(DryRun ? "would delete" : "deleted")} {result.Deleted.Count} entr{(result.Deleted.Count == 1 ? "y" : "ies")} of {repository}, kept {result.Kept} " +
                $"(retention {Manifest.Cache.RetentionDays} days, newest {Manifest.Cache.KeepPerTarget} per target)" +
                (result.Foreign.Count > 0 ? $"; left {result.Foreign.Count} tag(s) that are not cache entries" : ""));
        });
}
