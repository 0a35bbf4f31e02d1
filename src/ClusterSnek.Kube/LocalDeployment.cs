using ClusterSnek.Stack;
using System.Diagnostics;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>
/// A release that failed Deploy or Verify (after the automatic rollback, when there was one), with its ranked diagnosis and
/// the record of what happened, for the target to put in pipeline.json before the run fails.
/// </summary>
public sealed class ReleaseFailedException(string message, IReadOnlyList<DiagnosisFinding>? diagnosis = null) : Exception(message)
{
    public IReadOnlyList<DiagnosisFinding> Diagnosis { get; } = diagnosis ?? [];

    /// <summary>The deployment as Deploy left it (failed or rolled back), when Deploy failed.</summary>
    public DeploymentRecord? Deployment { get; init; }

    /// <summary>Every check with its evidence, the diagnosis and the rollback, when Verify failed.</summary>
    public VerificationRecord? Verification { get; init; }
}

/// <summary>
/// Where the local runtime's release lives: its environment and namespace (from clustersnek.yaml), the chart's release name,
/// where its services answer, and the host ports it takes (checked before anything is played).
/// </summary>
public sealed record LocalTarget(string Environment, string Namespace, string Release, IReadOnlyList<ServiceUrl> Urls, LocalPorts? Ports = null)
{
    /// <summary>Where the release's entry point listens: 127.0.0.1 (this machine only) unless asked otherwise (--listen-address).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";
}

/// <summary>
/// Deploy → Verify → Rollback on the podman local runtime, as the Deploy/Verify/Rollback/Down targets run it; returns the
/// records of the <c>deployment</c> and <c>verification</c> sections (also inside <see cref="ReleaseFailedException"/>).
/// </summary>
public sealed class LocalDeployment(Podman podman, string artifactsDirectory, LocalTarget target, HttpClient http)
{
    /// <summary>The trusted external images of clustersnek.yaml and VerifySignatures' verdicts on them.</summary>
    public ExternalImages External { get; init; } = ExternalImages.None;

    public LocalRuntime Runtime { get; } = new(podman, new ReleaseHistory(Path.Combine(artifactsDirectory, "releases", target.Environment)))
    {
        Entry = new LocalEntryPoint(Path.Combine(artifactsDirectory, "releases", target.Environment, "entry"), target.ListenAddress),
    };

    /// <summary>Gate, adapt, play. A failed play is rolled back (unless <paramref name="rollback"/> is false) and thrown.</summary>
    public async Task<DeploymentRecord> DeployAsync(RenderedManifests rendered, IReadOnlyList<PinnedImage> images, IReadOnlyList<ImageVerdict> verdicts,
        bool rollback, CancellationToken cancellation = default)
    {
        SignatureGate.Require(images, verdicts);
        // Every document, not only what kube play keeps: a release that names a foreign image anywhere is not this release.
        SignatureGate.RequireEveryContainer(rendered, images, External);
        var local = rendered.ForLocalRuntime();
        DeployFailure.RegisterSecrets(local); // a log line that prints one is redacted in the diagnosis

        // A port held by another program would only show as a crash loop of the new pod: refuse first, before any podman call.
        // Ports this release's own pods may hold (any revision's, e.g. pods an interrupted run left) are not another program's.
        target.Ports?.EnsureAvailable(Runtime.OwnPorts(), target.Environment, Path.Combine("artifacts", "releases", target.Environment, "ports.json"));
        var clock = Stopwatch.StartNew();
        var before = Runtime.History.Current;
        DeployOutcome outcome;
        try { outcome = await Runtime.DeployAsync(local, images, cancellation); }
        catch (RolloutInterruptedException e)
        {
            // Ctrl-C before the switch: the new pods are gone again and what served before still serves.
            var summary = e.Serving is { } served ? $"interrupted before the switch: revision {served} kept serving" : "interrupted before the switch; nothing was deployed before";
            throw new ReleaseFailedException($"{e.Message}.")
            {
                Deployment = Record(e.Revision, true, clock.Elapsed, "interrupted (Ctrl-C or SIGTERM) before the switch", [],
                    new RollbackRecord(e.Revision.Revision, e.Serving, "interrupted", e.Serving is not null, null, summary, DateTimeOffset.UtcNow)),
            };
        }
        if (outcome.Failure is null)
        {
            // Ctrl-C after the switch: this run does not leave an unverified revision serving; it finishes a rollback first.
            if (cancellation.IsCancellationRequested && outcome.Changed && rollback)
                throw await InterruptedAfterSwitchAsync(outcome.Revision, before, "Deploy", clock.Elapsed);
            return Record(outcome.Revision, outcome.Changed, clock.Elapsed, null, [], null) with { Rollout = Rollout(outcome) };
        }

        // New pods that did not get ready were observed before they were removed: the analyzers read them; a refused kube play
        // (a pull error, a missing secret) is podman's message.
        var diagnosis = Diagnosis.Of(Runtime.FailedStart is { } failedStart ? failedStart with { Images = images } : DeployFailure.Observe(outcome.Failure, images, local));
        // The new pods never took traffic: the revision that served before the deploy serves still; nothing to roll back.
        var kept = outcome.Serving is { } serving ? Runtime.History.Read(serving) : null;
        var record = Record(outcome.Revision, true, clock.Elapsed, outcome.Failure, diagnosis,
            Rollback(outcome.Revision.Revision, kept, "deploy failed: " + outcome.Failure, verifiedAfter: null,
                kept is null ? null : $"revision {outcome.Revision.Revision} was never switched to; revision {kept.Revision} kept serving")) with { Rollout = Rollout(outcome) };
        throw new ReleaseFailedException($"Deploy of revision {outcome.Revision.Revision} failed: {diagnosis.FirstOrDefault()?.ToString() ?? outcome.Failure}" +
            (kept is null ? "; nothing was serving before it" : $"; revision {kept.Revision} kept serving (never switched away from)"), diagnosis)
        { Deployment = record };
    }

    /// <summary>Rolls back to the revision that served before (finishing even on a second thought: Ctrl-C no longer stops it).</summary>
    async Task<ReleaseFailedException> InterruptedAfterSwitchAsync(ReleaseRevision revision, ReleaseRevision? before, string stage, TimeSpan elapsed)
    {
        Log.Warning("Interrupted during {Stage} after revision {Revision} took over: rolling back before exiting (Ctrl-C again forces exit; " +
            "the next run recovers)", stage, revision.Revision);
        Runtime.History.Save(Runtime.History.Read(revision.Revision).With(RevisionStatus.Failed, $"interrupted during {stage}"));
        var restored = before is null ? null : await TryRollbackAsync($"interrupted during {stage}", CancellationToken.None);
        var summary = restored is null ? $"interrupted during {stage}; no earlier revision to roll back to, revision {revision.Revision} keeps serving"
            : $"interrupted during {stage}: rolled back from revision {revision.Revision} to {restored.Revision}";
        return new ReleaseFailedException(summary + ".")
        {
            Deployment = Record(revision, true, elapsed, $"interrupted (Ctrl-C or SIGTERM) during {stage}", [],
                new RollbackRecord(revision.Revision, restored?.Revision, $"interrupted during {stage}", restored is not null, null, summary, DateTimeOffset.UtcNow)),
        };
    }

    /// <summary>
    /// Rolls back <paramref name="revision"/> when it is still the current, deployed but never verified revision (a run cancelled
    /// between Deploy and Verify); returns the deployment record that says so, or null when there is nothing to do.
    /// </summary>
    public async Task<DeploymentRecord?> SettleUnverifiedAsync(int revision, string stage)
    {
        if (Runtime.History.Current is not { Status: RevisionStatus.Deployed } current || current.Revision != revision) return null;
        return (await InterruptedAfterSwitchAsync(current, current, stage, TimeSpan.Zero)).Deployment;
    }

    static RolloutRecord Rollout(DeployOutcome outcome) => new(outcome.Started, outcome.Kept, outcome.Serving);

    /// <summary>Verifies the current revision; on failure rolls back (unless told not to), verifies the restored one, and throws.</summary>
    public async Task<VerificationRecord> VerifyAsync(IReadOnlyList<PinnedImage> expected, IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain,
        TimeSpan deadline, bool rollback, CancellationToken cancellation = default)
    {
        var verifier = new LocalVerifier(Runtime, http);
        var current = Runtime.History.Current!;
        if (Runtime.Entry.DiedPid is { } died)
            Log.Warning("The release's entry point (pid {Pid}) stopped since the last run; it is started again before Verify", died);
        await Runtime.Entry.EnsureRunningAsync(cancellation);
        VerificationReport report;
        var clock = Stopwatch.StartNew();
        try { report = await verifier.VerifyAsync(expected, endpoints, chain, target.Namespace, deadline, cancellation); }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && rollback && current.Status != RevisionStatus.Verified)
        {
            // An unverified revision is not left serving by an interrupted run: back to the last good one first.
            var interrupted = await InterruptedAfterSwitchAsync(current, current, "Verify", clock.Elapsed);
            throw new ReleaseFailedException(interrupted.Message)
            {
                Verification = new VerificationRecord(RuntimeKind.Local, current.Revision, false, [], [], interrupted.Deployment!.Rollback, null,
                    (long)clock.Elapsed.TotalMilliseconds),
            };
        }
        if (report.Passed)
        {
            Runtime.History.Save(current.With(RevisionStatus.Verified));
            Log.Information("Verify passed: {Summary}", report.Summary);
            return report.ToRecord(RuntimeKind.Local);
        }
        foreach (var line in report.Diagnosis) Log.Error("  {Diagnosis}", line.ToString());
        Runtime.History.Save(current.With(RevisionStatus.Failed, report.Summary));
        // A rollback once begun is finished: Ctrl-C during it would leave a failed revision serving.
        var restored = rollback ? await TryRollbackAsync("verification failed", CancellationToken.None) : null;
        string after = "";
        VerificationReport? again = null;
        if (restored is not null)
        {
            again = await verifier.VerifyAsync(restored.Images, endpoints, chain, target.Namespace, deadline, cancellation);
            if (again.Passed) Runtime.History.Save(Runtime.History.Current!.With(RevisionStatus.Verified));
            after = $"; rolled back to revision {restored.Revision}, which {(again.Passed ? "verifies again" : "also fails: " + again.Summary)}";
        }
        var record = report.ToRecord(RuntimeKind.Local,
            restored is null && !rollback ? null : Rollback(current.Revision, restored, "verification failed: " + (report.Diagnosis.FirstOrDefault()?.ToString() ?? report.Summary), again?.Passed),
            again);
        throw new ReleaseFailedException($"Verify failed for revision {current.Revision}: {report.Diagnosis.FirstOrDefault()?.ToString() ?? report.Summary}" +
            (restored is null ? (rollback ? "; no earlier revision to roll back to" : " (--no-rollback: left as is)") : after), report.Diagnosis)
        { Verification = record };
    }

    async Task<ReleaseRevision?> TryRollbackAsync(string reason, CancellationToken cancellation)
    {
        try { return await Runtime.RollbackAsync(null, reason, cancellation); }
        catch (InvalidOperationException e) { Log.Warning("No automatic rollback: {Reason}", e.Message); return null; }
    }

    static RollbackRecord Rollback(int from, ReleaseRevision? restored, string reason, bool? verifiedAfter, string? summary = null) => new(
        from, restored?.Revision, reason, restored is not null, verifiedAfter,
        summary ?? (restored is null ? "no earlier revision to roll back to" : $"rolled back from revision {from} to {restored.Revision}"), DateTimeOffset.UtcNow);

    DeploymentRecord Record(ReleaseRevision revision, bool changed, TimeSpan duration, string? failure, IReadOnlyList<DiagnosisFinding> diagnosis,
        RollbackRecord? rollback) => new(
        target.Environment, RuntimeKind.Local, target.Namespace, target.Release, revision.Revision,
        failure is null ? DeploymentStatus.Deployed : rollback?.Restored == true ? DeploymentStatus.RolledBack : DeploymentStatus.Failed,
        changed, revision.Images, (long)duration.TotalMilliseconds, null, null,
        Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(artifactsDirectory))!, Runtime.History.ManifestsOf(revision.Revision)), revision.ManifestDigest,
        failure, diagnosis, rollback, target.Urls);
}
