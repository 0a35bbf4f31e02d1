using System.Text.Json;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>What a deploy did: the revision now current, whether anything changed, and the failure when kube play refused.</summary>
public sealed record DeployOutcome(ReleaseRevision Revision, bool Changed, string? Failure);

/// <summary>
/// The podman local runtime: runs a rendered release with <c>podman kube play --network host</c> in the project's own podman
/// storage, keeps every revision under artifacts/releases/&lt;env&gt;/, rolls back by replaying an earlier revision and
/// removes exactly what it started with <c>podman kube down FILE</c>.
/// </summary>
public sealed class LocalRuntime(Podman podman, ReleaseHistory history, bool tlsVerify = false)
{
    public ReleaseHistory History { get; } = history;

    /// <summary>Plays the release as a new revision; the same manifests already running are a no-op (no new revision).</summary>
    public async Task<DeployOutcome> DeployAsync(LocalRelease release, IReadOnlyList<PinnedImage> images, CancellationToken cancellation = default)
    {
        var current = History.Current;
        if (current is { Status: RevisionStatus.Deployed or RevisionStatus.Verified } && current.ManifestDigest == release.Digest
            && (await ObserveAsync(release.Workloads, cancellation)).All(c => c.State == "running"))
        {
            Log.Information("Revision {Revision} already runs these manifests ({Digest}); nothing to do", current.Revision, release.Digest[..19]);
            return new DeployOutcome(current, Changed: false, null);
        }

        var revision = History.Create(release.Text, release.Digest, images, release.Secrets.Select(x => x.Name).ToList());
        History.SaveTestHooks(revision.Revision, release.TestHooks);
        Log.Information("Local runtime: revision {Revision} ({Count} workloads; left out: {Dropped})", revision.Revision, release.Workloads.Count,
            release.Dropped.Count == 0 ? "nothing" : string.Join(", ", release.Dropped));
        if (current is not null)
        {
            await TearDownAsync(current.Revision, cancellation);
            History.Save(current.With(current.Status is RevisionStatus.Failed ? RevisionStatus.Failed : RevisionStatus.Superseded));
        }
        History.MakeCurrent(revision.Revision);
        foreach (var secret in release.Secrets) await podman.CreateSecretAsync(secret.Name, secret.Content, cancellation);
        await ClearNamesAsync(release.Workloads, cancellation);
        var play = await podman.KubePlayAsync(History.ManifestsOf(revision.Revision), replace: true, tlsVerify, cancellation);
        if (!play.Succeeded)
        {
            var failure = $"podman kube play failed (exit {play.ExitCode}): {play.LastErrorLine}";
            // kube play stops at the first pod it cannot bring up; the pods before it are running and must go too.
            await TearDownAsync(revision.Revision, cancellation);
            History.Save(revision = revision.With(RevisionStatus.Failed, failure));
            return new DeployOutcome(revision, Changed: true, failure);
        }
        History.Save(revision = revision.With(RevisionStatus.Deployed));
        return new DeployOutcome(revision, Changed: true, null);
    }

    /// <summary>Replays an earlier revision (the given one, else the last good one) and marks the current one rolled back.</summary>
    public async Task<ReleaseRevision> RollbackAsync(int? toRevision, string reason, CancellationToken cancellation = default)
    {
        var target = History.RollbackTarget(toRevision);
        var current = History.Current;
        if (current is not null)
        {
            await TearDownAsync(current.Revision, cancellation);
            History.Save(current.With(current.Status == RevisionStatus.Failed ? RevisionStatus.Failed : RevisionStatus.RolledBack, $"rolled back to {target.Revision}: {reason}"));
        }
        History.MakeCurrent(target.Revision);
        await ClearNamesAsync(ReleaseOf(target.Revision).Workloads, cancellation);
        var play = await podman.KubePlayAsync(History.ManifestsOf(target.Revision), replace: true, tlsVerify, cancellation);
        if (!play.Succeeded)
            throw new InvalidOperationException($"Rollback to revision {target.Revision} failed: podman kube play exit {play.ExitCode}: {play.LastErrorLine}");
        History.Save(target = target.With(RevisionStatus.Deployed, $"restored by rollback: {reason}"));
        Log.Information("Rolled back to revision {Revision}", target.Revision);
        return target;
    }

    /// <summary>Removes the pods of the current revision (by its manifests file) and its podman secrets (by name); nothing else is touched.</summary>
    public async Task<ReleaseRevision?> DownAsync(CancellationToken cancellation = default)
    {
        var current = History.Current;
        if (current is null) { Log.Information("Nothing deployed under {Directory}", History.Directory); return null; }
        await TearDownAsync(current.Revision, cancellation);
        var left = await PodNamesAsync(ReleaseOf(current.Revision).Workloads, cancellation);
        if (left.Count > 0)
            throw new InvalidOperationException($"Down: {string.Join(", ", left)} still present after podman kube down {History.ManifestsOf(current.Revision)}.");
        foreach (var secret in current.Secrets ?? []) await podman.RemoveSecretAsync(secret, cancellation);
        History.Save(current.With(RevisionStatus.Removed));
        History.MakeCurrent(null);
        return current;
    }

    /// <summary>The host ports the current revision's containers listen on: this release's own, not another program's.</summary>
    public IReadOnlyList<int> CurrentPorts() => History.Current is { } c && File.Exists(History.ManifestsOf(c.Revision))
        ? LocalPorts.ListenedOn(RenderedManifests.Parse(File.ReadAllText(History.ManifestsOf(c.Revision)), History.ManifestsOf(c.Revision)))
        : [];

    /// <summary>The workloads of the current revision, read back from its manifests file.</summary>
    public LocalRelease? CurrentRelease() => History.Current is { } c ? ReleaseOf(c.Revision) : null;

    /// <summary>The helm test Pods of the current revision, which Verify runs after its other checks.</summary>
    public IReadOnlyList<LocalTestHook> CurrentTestHooks() => History.Current is { } c ? History.TestHooksOf(c.Revision) : [];

    public LocalTestHooks TestHooks => new(podman);

    LocalRelease ReleaseOf(int revision) =>
        RenderedManifests.Parse(File.ReadAllText(History.ManifestsOf(revision)), History.ManifestsOf(revision)).ForLocalRuntime();

    /// <summary><c>podman kube down</c> of the revision's file, then its workloads' pods by exact name (what a half-played file left).</summary>
    async Task TearDownAsync(int revision, CancellationToken cancellation)
    {
        await podman.KubeDownAsync(History.ManifestsOf(revision), cancellation);
        var left = await PodNamesAsync(ReleaseOf(revision).Workloads, cancellation);
        if (left.Count > 0) await podman.RemovePodsAsync(left, cancellation);
    }

    /// <summary>The containers podman runs for these workloads (pods named like kube play names them: X, or X-pod-N for a Deployment).</summary>
    public async Task<IReadOnlyList<LiveContainer>> ObserveAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellation = default)
    {
        using var pods = JsonDocument.Parse(await podman.PodsJsonAsync(cancellation) is { Length: > 0 } p ? p : "[]");
        var owned = new List<(string Service, string Pod, string Id)>();
        foreach (var pod in pods.RootElement.EnumerateArray())
        {
            var name = pod.GetProperty("Name").GetString() ?? "";
            var workload = workloads.FirstOrDefault(w => Owns(w, name));
            if (workload is null) continue;
            var infra = pod.TryGetProperty("InfraId", out var i) ? i.GetString() : null;
            foreach (var c in pod.GetProperty("Containers").EnumerateArray())
                if (c.GetProperty("Id").GetString() is { } id && id != infra) owned.Add((workload.Service, name, id));
        }
        using var inspected = JsonDocument.Parse(await podman.InspectJsonAsync(owned.Select(o => o.Id).ToList(), cancellation));
        return inspected.RootElement.EnumerateArray().Select(c =>
        {
            var id = c.GetProperty("Id").GetString();
            var (service, pod, _) = owned.First(o => o.Id == id);
            return PodmanInspect.ToLiveContainer(service, pod, c);
        }).ToList();
    }

    /// <summary>
    /// Removes pods of our storage that carry the names these workloads are about to take (left by an interrupted run):
    /// podman 4.3's <c>--replace</c> does not catch a Deployment's pods, and kube play refuses a name in use.
    /// </summary>
    async Task ClearNamesAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellation)
    {
        var taken = await PodNamesAsync(workloads, cancellation);
        if (taken.Count > 0) await podman.RemovePodsAsync(taken, cancellation);
    }

    /// <summary>Names of the pods podman has for these workloads, whatever their state.</summary>
    async Task<IReadOnlyList<string>> PodNamesAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellation)
    {
        using var pods = JsonDocument.Parse(await podman.PodsJsonAsync(cancellation) is { Length: > 0 } p ? p : "[]");
        return pods.RootElement.EnumerateArray().Select(pod => pod.GetProperty("Name").GetString() ?? "")
            .Where(name => workloads.Any(w => Owns(w, name))).ToList();
    }

    static bool Owns(Workload w, string pod) => pod == w.Name || pod.StartsWith(w.Name + "-pod-", StringComparison.Ordinal);

    public Task<string> LogTailAsync(LiveContainer container, int lines, CancellationToken cancellation = default) =>
        podman.LogsAsync(container.Container, lines, cancellation);

    /// <summary>The container's last exit code from podman's events (a restarted container's own state shows none).</summary>
    public async Task<int?> LastExitCodeAsync(LiveContainer container, CancellationToken cancellation = default) =>
        (await podman.ExitCodesAsync(container.Container, cancellation)) is { Count: > 0 } codes ? codes[^1] : null;
}
