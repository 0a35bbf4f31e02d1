using System.Diagnostics;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>Runs a plan: parallel where the graph allows, in order where it does not, caching and stopping as declared.</summary>
internal sealed partial class Executor(ExecutionPlan plan, TargetOutput output, TargetCache? cache, RunRecord record, int maxParallel, Action onTargetFinished,
    Func<string, Exception, string?>? explain = null)
{
    /// <summary>Kept entries of shareable targets (.nuke/cache/entries), when the cache has a key.</summary>
    public EntryStore? Store { get; init; }

    /// <summary>The shared cache (--cache REF), when one is configured.</summary>
    public ISharedCache? Shared { get; init; }

    readonly Dictionary<TargetNode, TargetResult> results = [];
    readonly Lock gate = new();
    bool stopping;

    public IReadOnlyDictionary<TargetNode, TargetResult> Results => results;

    public async Task RunAsync(CancellationToken cancellation)
    {
        foreach (var node in plan.Ordered)
        {
            if (plan.Skipped.Contains(node))
                Finish(node, TargetStatus.Skipped, TimeSpan.Zero, "skipped (--skip)", null);
            else if (node.Definition.StaticConditions.FirstOrDefault(c => !c.Evaluate()) is { } condition)
                Finish(node, TargetStatus.Skipped, TimeSpan.Zero, $"condition false: {condition.Text}", null);
        }

        using var slots = new SemaphoreSlim(Math.Max(1, maxParallel));
        var running = new Dictionary<TargetNode, Task>();
        while (true)
        {
            List<TargetNode> ready;
            lock (gate)
            {
                var pending = plan.Ordered.Where(n => !results.ContainsKey(n) && !running.ContainsKey(n)).ToList();
                if (pending.Count == 0 && running.Count == 0) break;
                ready = pending.Where(n => plan.Predecessors(n).All(results.ContainsKey)).ToList();
            }
            foreach (var node in ready)
            {
                if (Blocker(node, cancellation) is { } reason)
                {
                    Finish(node, TargetStatus.NotRun, TimeSpan.Zero, reason, null);
                    continue;
                }
                var token = node.Definition.Assured ? CancellationToken.None : cancellation;
                running[node] = Task.Run(async () =>
                {
                    await slots.WaitAsync(CancellationToken.None);
                    try { await RunOneAsync(node, token); }
                    finally { slots.Release(); }
                }, CancellationToken.None);
            }
            if (running.Count == 0) continue;
            var done = await Task.WhenAny(running.Values);
            foreach (var finished in running.Where(kv => kv.Value.IsCompleted).Select(kv => kv.Key).ToList())
                running.Remove(finished);
            await done;
        }
    }

    string? Blocker(TargetNode node, CancellationToken cancellation)
    {
        lock (gate)
        {
            if (node.Definition.Assured) return null;
            var failedDependency = node.Dependencies.FirstOrDefault(d =>
                results.TryGetValue(d, out var r) && r.Status is TargetStatus.Failed or TargetStatus.NotRun);
            if (failedDependency is not null)
                return $"dependency {failedDependency.Name} {(results[failedDependency].Status == TargetStatus.Failed ? "failed" : "did not run")}";
            if (cancellation.IsCancellationRequested) return "cancelled";
            if (stopping) return "an earlier target failed";
            return null;
        }
    }

    async Task RunOneAsync(TargetNode node, CancellationToken cancellation)
    {
        var scope = output.Begin(node.Name);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var status = TargetStatus.Succeeded;
        string? reason = null;
        string? cachedFrom = null;
        try
        {
            Log.Information("▶ {Target}", node.Name);
            if (node.Definition.DynamicConditions.FirstOrDefault(c => !c.Evaluate()) is { } condition)
            {
                status = TargetStatus.Skipped;
                reason = $"condition false: {condition.Text}";
                return;
            }
            string? key = null;
            TargetCache.KeyParts? parts = null;
            if (cache is not null && node.Definition.IsCacheable)
            {
                key = cache.ComputeKey(node.Name, node.Definition, out parts);
                string? refusedReplay = null;
                if (cache.TryHit(node.Name, node.Definition, key) is { } recorded)
                {
                    if ((refusedReplay = await ReplayAsync(node, recorded, cancellation)) is null)
                    {
                        status = TargetStatus.Cached;
                        reason = "cached locally: inputs unchanged";
                        cachedFrom = "local";
                        return;
                    }
                }
                reason = refusedReplay is not null ? "cached result refused: " + refusedReplay : cache.WhyMiss(node.Name, node.Definition, parts);
                if (refusedReplay is null && node.Definition.IsShareable)
                {
                    (reason, cachedFrom) = await TakeKeptOrSharedAsync(node, key, parts, reason, cancellation);
                    if (cachedFrom is not null)
                    {
                        status = TargetStatus.Cached;
                        return;
                    }
                }
                Log.Information("Runs: {Why}", reason);
            }
            else reason = cache is null && node.Definition.IsCacheable ? "--no-cache" : "always runs";
            foreach (var action in node.Definition.Actions)
            {
                cancellation.ThrowIfCancellationRequested();
                await action(cancellation);
            }
            if (cache is not null && key is not null)
            {
                key = cache.ComputeKey(node.Name, node.Definition, out parts);
                cache.Store(node.Name, key, record.ContributionsOf(node.Name), parts);
                if (node.Definition.IsShareable) await KeepAndPublishAsync(node, key, parts, cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            status = TargetStatus.Failed;
            reason = "cancelled";
            cache?.Invalidate(node.Name);
        }
        catch (Exception e)
        {
            status = TargetStatus.Failed;
            reason = Redactor.Redact(FirstLine(e));
            cache?.Invalidate(node.Name);
            // The symptom (a tool's "unexpected EOF") stays in the log; the line a user reads names the cause. Not after Ctrl-C:
            // the terminal's SIGINT reaches the whole process group (the embedded registry too), and the cause is the interrupt.
            if (!cancellation.IsCancellationRequested && explain?.Invoke(node.Name, e) is { } cause)
            {
                Log.Debug("{Target}: {Symptom}", node.Name, reason);
                reason = Redactor.Redact(cause);
            }
            Log.Error("{Target} failed: {Reason}", node.Name, reason);
            Log.Debug(e, "{Target} stack trace", node.Name);
        }
        finally
        {
            clock.Stop();
            if (status == TargetStatus.Succeeded && record.NotesOf(node.Name) is { Count: > 0 } notes)
                reason = string.Join("; ", [.. reason is null ? [] : new[] { reason }, .. notes]);
            if (status is TargetStatus.Cached or TargetStatus.Skipped) Log.Information("{Status}: {Reason}", status.ToString(), reason);
            output.End(scope);
            lock (gate) if (status == TargetStatus.Failed && !node.Definition.Proceed) stopping = true;
            Finish(node, status, clock.Elapsed, reason, started, cachedFrom);
        }
    }

    /// <summary>Restores what a target recorded and runs its replay checks; the refusal (sections taken back) or null when the replay holds.</summary>
    async Task<string?> ReplayAsync(TargetNode node, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode> recorded, CancellationToken cancellation)
    {
        record.Restore(node.Name, recorded);
        if (await RefusedReplayAsync(node, cancellation) is not { } refused) return null;
        record.Unrestore(node.Name);
        Log.Warning("cached {Target} refused: {Reason}: running {Target}", node.Name, refused, node.Name);
        return refused;
    }

    /// <summary>The first replay check that refuses the restored result (a check that throws refuses it with its message).</summary>
    static async Task<string?> RefusedReplayAsync(TargetNode node, CancellationToken cancellation)
    {
        foreach (var check in node.Definition.ReplayChecks)
        {
            try { if (await check(cancellation) is { } reason) return Redactor.Redact(reason); }
            catch (Exception e) when (e is not OperationCanceledException) { return Redactor.Redact("the replay could not be checked: " + FirstLine(e)); }
        }
        return null;
    }

    static string FirstLine(Exception e)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
        return inner.Message.Split('\n')[0].Trim();
    }

    void Finish(TargetNode node, TargetStatus status, TimeSpan duration, string? reason, DateTimeOffset? started, string? cachedFrom = null)
    {
        lock (gate)
        {
            var result = new TargetResult(node.Name, status, duration, reason, started, started is null ? null : DateTimeOffset.UtcNow) { CachedFrom = cachedFrom };
            results[node] = result;
            record.Targets.RemoveAll(t => t.Name == node.Name);
            record.Targets.Add(result);
            onTargetFinished();
        }
    }
}
