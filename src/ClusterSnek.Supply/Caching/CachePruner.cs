using System.Globalization;
using ClusterSnek.Images.Distribution;
using Serilog;

namespace ClusterSnek.Supply.Caching;

/// <summary>What CachePrune did to a repository: entries kept and deleted (by tag), and tags it left alone because they are not entries.</summary>
public sealed record PruneResult(int Kept, IReadOnlyList<string> Deleted, IReadOnlyList<string> Foreign);

/// <summary>
/// The shared cache's retention: an entry goes when it is older than the retention period, or when newer entries of the same target
/// already fill its quota. Only ClusterSnek cache entries (a DSSE envelope config) are ever deleted; anything else is left and named.
/// </summary>
public static class CachePruner
{
    public static async Task<PruneResult> PruneAsync(RegistryClient client, CacheRepository repository, DateTimeOffset now, int retentionDays,
        int keepPerTarget, bool dryRun, CancellationToken cancellation)
    {
        var entries = new List<(string Tag, Digest Digest, string Target, DateTimeOffset Created)>();
        var foreign = new List<string>();
        foreach (var tag in await client.ListTagsAsync(repository.Registry, repository.Repository, cancellation))
        {
            var content = await client.GetManifestAsync(new ImageReference(repository.Registry, repository.Repository, tag), cancellation);
            ImageManifest manifest;
            try { manifest = content.AsImage(tag); }
            catch (RegistryException) { foreign.Add(tag); continue; }
            if (manifest.Config.MediaType != RegistryCache.EnvelopeMediaType
                || manifest.Annotations?.GetValueOrDefault(RegistryCache.TargetAnnotation) is not { } target
                || !DateTimeOffset.TryParse(manifest.Annotations.GetValueOrDefault(RegistryCache.CreatedAnnotation), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var created))
            {
                foreign.Add(tag);
                continue;
            }
            entries.Add((tag, content.Digest, target, created));
        }
        var cutoff = now - TimeSpan.FromDays(retentionDays);
        var doomed = entries.GroupBy(e => e.Target)
            .SelectMany(g => g.OrderByDescending(e => e.Created).ThenBy(e => e.Tag, StringComparer.Ordinal)
                .Where((e, rank) => e.Created < cutoff || rank >= keepPerTarget))
            .ToList();
        // A manifest tagged twice is deleted once, and only when every tag pointing at it is doomed.
        var keptDigests = entries.Except(doomed).Select(e => e.Digest).ToHashSet();
        foreach (var digest in doomed.Select(d => d.Digest).Distinct().Where(d => !keptDigests.Contains(d)))
        {
            if (dryRun) continue;
            await client.DeleteManifestAsync(repository.Registry, repository.Repository, digest, cancellation);
        }
        var deleted = doomed.Where(d => !keptDigests.Contains(d.Digest)).Select(d => d.Tag).Order(StringComparer.Ordinal).ToList();
        foreach (var tag in foreign) Log.Information("CachePrune: {Repository}:{Tag} is not a ClusterSnek cache entry; left as it is", repository, tag);
        return new PruneResult(entries.Count - deleted.Count, deleted, foreign);
    }
}
