using System.Diagnostics;
using System.Text.Json;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>
/// The podman local runtime: runs a rendered release with <c>podman kube play --network host</c> in the project's own podman
/// storage, keeps every revision under artifacts/releases/&lt;env&gt;/, and rolls out without an outage: a changed workload
/// starts on its other port slot, the entry point switches to it once it answers its ready path, then the old pod stops
/// (<see cref="LocalSlots"/>). Until the switch the previous revision serves, so an interrupted or failed rollout leaves it
/// serving; after the switch the new one does. Pods are removed by exact name only.
/// </summary>
public sealed partial class LocalRuntime(Podman podman, ReleaseHistory history, bool tlsVerify = false)
{
    static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>How long a compensation (removing the new pods after Ctrl-C) may take; it does not listen to Ctrl-C itself.</summary>
    static readonly TimeSpan CleanupDeadline = TimeSpan.FromSeconds(60);

    public ReleaseHistory History { get; } = history;

    /// <summary>The loopback entry point that owns the release's public ports.</summary>
    public LocalEntryPoint Entry { get; init; } = new(Path.Combine(history.Directory, "entry"));

    /// <summary>How long new pods get to answer their ready path before the rollout gives up (the old revision keeps serving).</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time the old pods keep serving the connections accepted just before the switch.</summary>
    public TimeSpan Drain { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Plays the release as a new revision; the same manifests already running are a no-op (no new revision).</summary>
    public async Task<DeployOutcome> DeployAsync(LocalRelease release, IReadOnlyList<PinnedImage> images, CancellationToken cancellation = default)
    {
        FailedStart = null;
        await RecoverAsync(cancellation);
        var current = History.Current;
        var alive = current is null ? [] : await AliveAsync(ReleaseOf(current.Revision).Workloads, cancellation);
        if (current is { Status: RevisionStatus.Deployed or RevisionStatus.Verified } && current.ManifestDigest == release.Digest
            && ReleaseOf(current.Revision).Workloads.All(w => alive.Contains(w.Name)))
        {
            await EnsureEntryAsync(current, cancellation);
            Log.Information("Revision {Revision} already runs these manifests ({Digest}); nothing to do", current.Revision, release.Digest[..19]);
            return new DeployOutcome(current, Changed: false, null) { Serving = current.Revision, Kept = Services(current.Slots ?? []) };
        }

        // A workload of the current revision whose pod is not running is not kept: it starts again like a changed one.
        var plan = LocalSlots.Plan(release, Serving(current).Where(a => alive.Contains(a.Running)).ToList());
        var revision = History.Create(LocalSlots.Text(Playable(release, plan)), release.Digest, images, release.Secrets.Select(x => x.Name).ToList(),
            plan.Select(p => p.Assignment).ToList(), release.Text);
        History.SaveTestHooks(revision.Revision, release.TestHooks);
        Log.Information("Local runtime: revision {Revision} ({Count} workloads; left out: {Dropped})", revision.Revision, release.Workloads.Count,
            release.Dropped.Count == 0 ? "nothing" : string.Join(", ", release.Dropped));
        return await RollOutAsync(revision, current, plan, release.Secrets, cancellation);
    }

    /// <summary>
    /// Plays an earlier revision again (the given one, else the last good one) the same way: its workloads that differ from
    /// what runs start on their other slot, the switch, then the rest stops; the current revision is marked rolled back.
    /// </summary>
    public async Task<ReleaseRevision> RollbackAsync(int? toRevision, string reason, CancellationToken cancellation = default)
    {
        await RecoverAsync(cancellation);
        var target = History.RollbackTarget(toRevision);
        var current = History.Current;
        var release = RenderedManifests.Parse(File.ReadAllText(SourceFile(target.Revision)), SourceFile(target.Revision)).ForLocalRuntime();
        var plan = LocalSlots.Plan(release, Serving(current));
        target = History.Reslot(target, LocalSlots.Text(Playable(release, plan)), plan.Select(p => p.Assignment).ToList());
        var outcome = await RollOutAsync(target, current, plan, [], cancellation, rollbackReason: reason);
        if (outcome.Failure is not null)
            throw new InvalidOperationException($"Rollback to revision {target.Revision} failed: {outcome.Failure}" +
                (current is null ? "" : $"; revision {current.Revision} keeps serving"));
        Log.Information("Rolled back to revision {Revision}", target.Revision);
        return History.Read(target.Revision);
    }

    /// <summary>
    /// The rollout: start what changed on its other slot, wait until it answers, switch the entry point, stop what was
    /// replaced. Ctrl-C before the switch removes the new pods and leaves the previous revision serving (and throws
    /// <see cref="RolloutInterruptedException"/>); the switch and the stopping after it do not listen to Ctrl-C (a second
    /// Ctrl-C ends the process there, and the next run removes the pods left behind).
    /// </summary>
    async Task<DeployOutcome> RollOutAsync(ReleaseRevision revision, ReleaseRevision? current, IReadOnlyList<SlotPlan> plan,
        IReadOnlyList<LocalSecret> secrets, CancellationToken cancellation, string? rollbackReason = null)
    {
        var starting = plan.Where(p => !p.Keep).ToList();
        var kept = plan.Where(p => p.Keep).Select(p => p.Assignment.Service).ToList();
        var started = Services(starting.Select(p => p.Assignment));
        if (current is { Unslotted: true })
        {
            // A revision from before port slots holds the public ports itself: this once, it has to stop first.
            Log.Warning("Revision {Revision} runs without port slots (deployed by an older ClusterSnek): it stops before the new pods start, " +
                "so this rollout has a gap; later ones do not", current.Revision);
            await TearDownAsync(current.Revision, CancellationToken.None);
            History.Save(current.With(RevisionStatus.Superseded));
            History.MakeCurrent(null);
            current = null;
        }
        Log.Information("Revision {Revision}: new pods for {Started} (each on a free port slot); kept running, unchanged: {Kept}", revision.Revision,
            started.Count == 0 ? "none" : string.Join(", ", started), kept.Count == 0 ? "none" : string.Join(", ", kept));
        string? failure;
        try
        {
            cancellation.ThrowIfCancellationRequested();
            var keptSecrets = plan.Where(p => p.Keep).SelectMany(p => SecretsOf(p.Document, secrets)).ToHashSet(StringComparer.Ordinal);
            var existing = (await podman.SecretNamesAsync(cancellation)).ToHashSet(StringComparer.Ordinal);
            // A secret an unchanged pod reads stays as it is (its value is part of that pod's fingerprint, so it did not change).
            foreach (var secret in secrets.Where(s => !keptSecrets.Contains(s.Name) || !existing.Contains(s.Name)))
                await podman.CreateSecretAsync(secret.Name, secret.Content, cancellation);
            // Workloads nothing served before (a first deploy, a new service) are routed now: their ready paths may call each
            // other through the entry point (frontend → backend), and no caller is switched away from anything.
            var fresh = starting.Select(p => p.Assignment).Where(a => Serving(current).All(c => c.Workload != a.Workload)).ToList();
            if (fresh.Count > 0)
            {
                Entry.Switch([.. Routes(Serving(current)), .. Routes(fresh)]);
                await Entry.EnsureRunningAsync(cancellation);
            }
            failure = starting.Count == 0 ? null : await StartAsync(revision, starting, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await StopAsync(starting.Select(p => p.Assignment), CancellationToken.None);
            RestoreRoutes(current);
            var serving = current?.Revision;
            var note = $"interrupted before the switch; {(serving is null ? "nothing was serving before it" : $"revision {serving} kept serving")}";
            if (rollbackReason is null) History.Save(revision.With(RevisionStatus.Failed, note));
            throw new RolloutInterruptedException(revision, serving, $"{(rollbackReason is null ? "Deploy" : "Rollback")} of revision {revision.Revision} {note}");
        }
        if (failure is not null)
        {
            await StopAsync(starting.Select(p => p.Assignment), CancellationToken.None);
            RestoreRoutes(current);
            if (rollbackReason is null) History.Save(revision = revision.With(RevisionStatus.Failed, failure));
            return new DeployOutcome(revision, Changed: true, failure) { Serving = current?.Revision, Started = started, Kept = kept };
        }

        // The switch: from here on the new revision serves, whatever happens to this process.
        Entry.Switch(Routes(revision.Slots!));
        History.MakeCurrent(revision.Revision);
        History.Save(revision = revision.With(RevisionStatus.Deployed, rollbackReason is null ? null : $"restored by rollback: {rollbackReason}"));
        if (current is not null && current.Revision != revision.Revision)
            History.Save(current.With(current.Status is RevisionStatus.Failed ? RevisionStatus.Failed
                : rollbackReason is null ? RevisionStatus.Superseded : RevisionStatus.RolledBack,
                rollbackReason is null ? null : $"rolled back to {revision.Revision}: {rollbackReason}"));
        await EnsureEntryAsync(revision, CancellationToken.None);
        var replaced = Serving(current).Where(old => !revision.Slots!.Any(a => a.Running == old.Running)).ToList();
        if (replaced.Count > 0)
        {
            await Task.Delay(Drain, CancellationToken.None);
            await StopAsync(replaced, CancellationToken.None);
        }
        return new DeployOutcome(revision, Changed: true, null) { Serving = revision.Revision, Started = started, Kept = kept };
    }

    /// <summary>Plays the changed workloads in their new slots and waits until each answers its ready path; the failure, or null.</summary>
    async Task<string?> StartAsync(ReleaseRevision revision, IReadOnlyList<SlotPlan> starting, CancellationToken cancellation)
    {
        var workloads = starting.Select(p => Running(p.Assignment)).ToList();
        await ClearNamesAsync(workloads, cancellation); // pods of these names left by an interrupted run
        var file = Path.Combine(Path.GetDirectoryName(History.ManifestsOf(revision.Revision))!, "play.yaml");
        var configs = RenderedManifests.Parse(File.ReadAllText(History.ManifestsOf(revision.Revision)), file).Documents
            .Where(d => RenderedManifests.KindOf(d) == "ConfigMap");
        await File.WriteAllTextAsync(file, LocalSlots.Text([.. configs, .. starting.Select(p => p.Document)]), cancellation);
        Log.Information("Playing revision {Revision}: podman kube play {File}", revision.Revision, file);
        var play = await podman.KubePlayAsync(file, replace: true, tlsVerify, cancellation);
        if (!play.Succeeded) return play.KilledBy is null ? $"podman kube play failed (exit {play.ExitCode}): {play.LastErrorLine}" : play.Failure;

        var deadline = Stopwatch.StartNew();
        var waiting = "";
        // A failure that does not change ends the wait early (--timeout bounds slow starts only): the same non-2xx answer
        // other than 503 (which a service gives while its own dependency is still starting), a process listening on another
        // port than its ready path's, or a crash loop, seen SteadyFailure.DefaultLooks times in a row.
        var steady = new SteadyFailure(SteadyFailure.DefaultLooks);
        var endpoints = starting.Select(p => new ServiceEndpoint(p.Assignment.Service, p.Assignment.SlotPort ?? 0, p.Assignment.ReadyPath ?? "/readyz")).ToList();
        while (deadline.Elapsed < ReadyTimeout)
        {
            var live = await ObserveAsync(workloads, cancellation);
            if (live.FirstOrDefault(c => c.IsFatal) is { } broken)
            {
                FailedStart = await ObserveFailedStartAsync(workloads, starting, cancellation);
                return $"{broken.Service}: {broken.Reason} ({broken.Container} in pod {broken.Pod}, exit {broken.ExitCode})" +
                    (await LogTailAsync(broken, 1, cancellation) is { Length: > 0 } tail ? $", last log line: {tail.Split('\n')[^1]}" : "");
            }
            waiting = "";
            var answers = new List<ProbeAnswer>();
            foreach (var p in starting)
            {
                var mine = live.Where(c => c.Pod.StartsWith(p.Assignment.Running, StringComparison.Ordinal)).ToList();
                if (mine.Count == 0 || mine.Any(c => c.State != "running")) { waiting = waiting.Length > 0 ? waiting : $"{p.Assignment.Service}: not running"; continue; }
                if (p.Assignment is { ReadyPath: { } path, SlotPort: { } port } && await AnswerAsync(p.Assignment.Service, port, path, cancellation) is { Ok: false } answer)
                {
                    if (answer.Status != 503) answers.Add(answer);
                    waiting = waiting.Length > 0 ? waiting : $"{p.Assignment.Service}: 127.0.0.1:{port}{path} does not answer 2xx";
                }
            }
            if (waiting.Length == 0) return null;
            var listening = live.Where(c => c is { State: "running", Pid: not null }).ToDictionary(c => c.Container, c => ListeningPorts.Of(c.Pid!.Value), StringComparer.Ordinal);
            if (steady.Observe(live, answers, endpoints, listening))
            {
                FailedStart = await ObserveFailedStartAsync(workloads, starting, cancellation) with { SteadyFailure = steady.Evidence };
                return $"not ready after {deadline.Elapsed.TotalSeconds:0.0} s, failing steadily: {steady.Evidence}";
            }
            await Task.Delay(250, cancellation);
        }
        FailedStart = await ObserveFailedStartAsync(workloads, starting, cancellation);
        return $"not ready within {ReadyTimeout.TotalSeconds:0} s: {waiting}";
    }

    /// <summary>Removes the pods of these slots by exact name (kube down cannot: a slot's file may hold other workloads).</summary>
    async Task StopAsync(IEnumerable<SlotAssignment> slots, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(CleanupDeadline);
        var names = await PodNamesAsync(slots.Select(Running).ToList(), limit.Token);
        if (names.Count > 0) await podman.RemovePodsAsync(names, limit.Token);
    }

    /// <summary>
    /// What an interrupted run left: a revision still Pending that never became current is marked failed, and pods of any
    /// revision of this release that the current revision does not run are removed by name.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellation = default)
    {
        var current = History.Current;
        var all = History.All();
        foreach (var pending in all.Where(r => r.Status == RevisionStatus.Pending && r.Revision != current?.Revision))
            History.Save(pending.With(RevisionStatus.Failed, "interrupted before it was switched to; found by the next run"));
        var running = current is null ? [] : ReleaseOf(current.Revision).Workloads.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        var ours = all.Where(r => File.Exists(History.ManifestsOf(r.Revision))).SelectMany(r => ReleaseOf(r.Revision).Workloads)
            .Where(w => !running.Contains(w.Name)).DistinctBy(w => w.Name).ToList();
        var left = await PodNamesAsync(ours, cancellation);
        if (left.Count == 0) return;
        Log.Warning("Removing {Pods}: pods of this release that no revision runs now (left by an interrupted run)", string.Join(", ", left));
        await podman.RemovePodsAsync(left, cancellation);
    }

    /// <summary>Routes back to what serves (nothing: the entry point stops) after a rollout that never switched.</summary>
    void RestoreRoutes(ReleaseRevision? current)
    {
        if (current?.Slots is { } slots) Entry.Switch(Routes(slots));
        else if (current is null) Entry.Stop();
    }

    async Task EnsureEntryAsync(ReleaseRevision revision, CancellationToken cancellation)
    {
        if (revision.Slots is not { } slots) return;
        if (Entry.Routes().Count == 0 || Entry.ListensOn != Entry.Address) Entry.Switch(Routes(slots));
        await Entry.EnsureRunningAsync(cancellation);
    }

    static List<EntryRoute> Routes(IReadOnlyList<SlotAssignment> slots) =>
        slots.Where(s => s is { PublicPort: not null, SlotPort: not null }).Select(s => new EntryRoute(s.Service, s.PublicPort!.Value, s.SlotPort!.Value)).ToList();

    static IReadOnlyList<SlotAssignment> Serving(ReleaseRevision? current) => current?.Slots ?? [];

    static List<string> Services(IEnumerable<SlotAssignment> slots) => slots.Select(s => s.Service).Distinct().ToList();

    static Workload Running(SlotAssignment slot) => new("Deployment", slot.Running, slot.Service, 1, []);

    static IEnumerable<System.Text.Json.Nodes.JsonObject> Playable(LocalRelease release, IReadOnlyList<SlotPlan> plan) =>
        [.. release.Documents.Where(d => RenderedManifests.KindOf(d) == "ConfigMap"), .. plan.Select(p => p.Document)];

    static IEnumerable<string> SecretsOf(System.Text.Json.Nodes.JsonObject document, IReadOnlyList<LocalSecret> secrets)
    {
        var text = document.ToJsonString();
        return secrets.Where(s => text.Contains(JsonSerializer.Serialize(s.Name), StringComparison.Ordinal)).Select(s => s.Name);
    }

    string SourceFile(int revision) => File.Exists(History.SourceOf(revision)) ? History.SourceOf(revision) : History.ManifestsOf(revision);

    /// <summary>Removes the pods of the current revision (by name), the entry point and the podman secrets (by name); nothing else is touched.</summary>
    public async Task<ReleaseRevision?> DownAsync(CancellationToken cancellation = default)
    {
        var current = History.Current;
        if (current is null) { Log.Information("Nothing deployed under {Directory}", History.Directory); return null; }
        Entry.Stop();
        await TearDownAsync(current.Revision, cancellation);
        var left = await PodNamesAsync(ReleaseOf(current.Revision).Workloads, cancellation);
        if (left.Count > 0)
            throw new InvalidOperationException($"Down: {string.Join(", ", left)} still present after podman kube down {History.ManifestsOf(current.Revision)}.");
        foreach (var secret in current.Secrets ?? []) await podman.RemoveSecretAsync(secret, cancellation);
        History.Save(current.With(RevisionStatus.Removed));
        History.MakeCurrent(null);
        return current;
    }

    /// <summary>
    /// The host ports this release's own processes may hold (never another program's): the entry point's public ports and
    /// the ports the pods of any of its revisions listen on (the current one's, and those an interrupted run may have left;
    /// the next deploy removes those pods before it plays anything).
    /// </summary>
    public IReadOnlyList<int> OwnPorts()
    {
        var ports = new List<int>();
        if (Entry.Pid is not null) ports.AddRange(Entry.Routes().Select(r => r.Listen));
        foreach (var revision in History.All().Where(r => File.Exists(History.ManifestsOf(r.Revision))))
            ports.AddRange(LocalPorts.ListenedOn(RenderedManifests.Parse(File.ReadAllText(History.ManifestsOf(revision.Revision)), History.ManifestsOf(revision.Revision))));
        return ports.Distinct().ToList();
    }

    /// <summary>The workloads of the current revision, read back from its manifests file (named as they run in their slots).</summary>
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

    /// <summary>The workloads (by name) that have at least one container, all of them running.</summary>
    async Task<HashSet<string>> AliveAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellation)
    {
        var live = await ObserveAsync(workloads, cancellation);
        return workloads.Where(w => live.Where(c => Owns(w, c.Pod)).ToList() is { Count: > 0 } mine && mine.All(c => c.State == "running"))
            .Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
    }

    static bool Owns(Workload w, string pod) => pod == w.Name || pod.StartsWith(w.Name + "-pod-", StringComparison.Ordinal);

    public Task<string> LogTailAsync(LiveContainer container, int lines, CancellationToken cancellation = default) =>
        podman.LogsAsync(container.Container, lines, cancellation);

    /// <summary>The container's last exit code from podman's events (a restarted container's own state shows none).</summary>
    public async Task<int?> LastExitCodeAsync(LiveContainer container, CancellationToken cancellation = default) =>
        (await podman.ExitCodesAsync(container.Container, cancellation)) is { Count: > 0 } codes ? codes[^1] : null;
}
