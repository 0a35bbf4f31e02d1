using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>Shareable targets: taken from a kept entry or the shared cache when the local entry misses; kept and published when they ran.</summary>
internal sealed partial class Executor
{
    IReadOnlyList<string> OutputsOf(TargetNode node) => [.. node.Definition.OutputPaths.SelectMany(o => o()).Select(o => o.Replace('\\', '/'))];

    /// <summary>
    /// A kept entry (.nuke/cache/entries), else the shared cache's entry, applied and replay-checked: the summary's reason and where it
    /// came from; null when neither has one that holds (then <paramref name="why"/> carries on, and the shared cache's miss is logged).
    /// </summary>
    /// <param name="Reason">the summary's reason: why it was cached, or (a miss) why neither the kept entries nor the shared cache had it</param>
    /// <param name="From">where the entry came from ("local" or the shared entry); null for a miss</param>
    sealed record Lookup(string Reason, string? From);

    async Task<Lookup> TakeKeptOrSharedAsync(TargetNode node, string key, TargetCache.KeyParts parts, string why, CancellationToken cancellation)
    {
        var outputs = OutputsOf(node);
        if (Store?.TryTake(node.Name, key) is { } kept && await ApplyAsync(node, key, parts, outputs, kept, cancellation) is null)
            return new($"cached locally: restored the kept entry for these inputs ({why})", "local");
        if (Shared is null) return new(why, null);
        SharedCacheHit? hit;
        try { hit = await Shared.FetchAsync(node.Name, key, cancellation); }
        catch (SharedCacheRefusedException e)
        {
            Log.Warning("Shared cache entry of {Target} refused: {Reason}: running {Target}", node.Name, Redactor.Redact(e.Message), node.Name);
            return new($"{why}; the shared entry was refused: {Redactor.Redact(e.Message)}", null);
        }
        if (hit is null) return new(Shared.Unusable is { } off ? $"{why}; shared cache not used: {off}" : $"{why}; not in {Shared.Location}", null);
        if (await ApplyAsync(node, key, parts, outputs, hit, cancellation) is { } refused)
        {
            Log.Warning("Shared cache entry {Where} refused: {Reason}: running {Target}", hit.Where, refused, node.Name);
            return new($"{why}; the shared entry was refused: {refused}", null);
        }
        Store?.Put(node.Name, key, hit.Entry, hit.Outputs);
        return new($"cached from {hit.Where} ({why})", hit.Where);
    }

    /// <summary>Applies an entry (outputs written, sections restored, replay checked); the refusal, or null when it holds.</summary>
    async Task<string?> ApplyAsync(TargetNode node, string key, TargetCache.KeyParts parts, IReadOnlyList<string> outputs, SharedCacheHit hit, CancellationToken cancellation)
    {
        IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode> sections;
        try { sections = cache!.Apply(node.Name, key, outputs, hit); }
        catch (SharedCacheRefusedException e) { return Redactor.Redact(e.Message); }
        if (await ReplayAsync(node, sections, cancellation) is { } refused) return refused;
        cache.Store(node.Name, key, sections, parts);
        return null;
    }

    /// <summary>
    /// After a shareable target ran: its entry and outputs kept locally and published to the shared cache. Never an entry that holds a
    /// secret's value in any form (said, and nothing is kept); a cache that cannot be written is said in one line and the run goes on.
    /// </summary>
    async Task KeepAndPublishAsync(TargetNode node, string key, TargetCache.KeyParts parts, CancellationToken cancellation)
    {
        if (Store is null && Shared is null) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outputs = OutputsOf(node);
        var archive = OutputArchive.Pack(cache!.Root, outputs);
        var entry = cache.SharedEntry(node.Name, key, record.ContributionsOf(node.Name), parts, outputs, archive);
        if (SecretIn(entry, archive) is { } where)
        {
            Log.Warning("{Target}'s entry is not kept or shared: {Where} holds a secret's value", node.Name, where);
            return;
        }
        Store?.Put(node.Name, key, entry, archive);
        if (Shared is null) return;
        try
        {
            if (await Shared.PublishAsync(node.Name, key, entry, archive, cancellation) is { } published)
                record.Note($"shared as {published}");
            Log.Debug("{Target}: entry kept and shared in {Ms} ms ({Bytes} bytes of outputs)", node.Name, clock.ElapsedMilliseconds, archive?.Length ?? 0);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Warning("{Target}'s entry was not shared to {Cache}: {Reason}", node.Name, Shared.Location, Redactor.Redact(e.Message.Split('\n')[0]));
        }
    }

    static string? SecretIn(byte[] entry, byte[]? archive)
    {
        var text = System.Text.Encoding.UTF8.GetString(entry);
        if (Redactor.Redact(text) != text) return "the entry";
        return archive is null ? null : OutputArchive.Texts(archive).FirstOrDefault(f => Redactor.Redact(f.Text) != f.Text).Path;
    }
}
