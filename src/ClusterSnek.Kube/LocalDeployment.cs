using System.Diagnostics;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>A release that failed Deploy or Verify (after the automatic rollback, when there was one), with its ranked diagnosis.</summary>
public sealed class ReleaseFailedException(string message, IReadOnlyList<string>? diagnosis = null) : Exception(message)
{
    public IReadOnlyList<string> Diagnosis { get; } = diagnosis ?? [];
}

/// <summary>
/// Deploy → Verify → Rollback on the podman local runtime, as the Deploy/Verify/Rollback/Down targets run it; records
/// the <c>deployment</c> and <c>verification</c> sections of pipeline.json.
/// </summary>
public sealed class LocalDeployment(Podman podman, string artifactsDirectory, string environment, string @namespace, HttpClient http)
{
    public LocalRuntime Runtime { get; } = new(podman, new ReleaseHistory(Path.Combine(artifactsDirectory, "releases", environment)));

    /// <summary>Gate, adapt, play. A failed play is rolled back (unless <paramref name="rollback"/> is false) and thrown.</summary>
    public async Task<DeployOutcome> DeployAsync(RenderedManifests rendered, IReadOnlyList<DeployImage> images, IReadOnlyList<SignatureVerdict> verdicts,
        bool rollback, CancellationToken cancellation = default)
    {
        SignatureGate.Require(images, verdicts);
        var local = rendered.ForLocalRuntime();
        var unknown = local.Workloads.SelectMany(w => w.Containers.Select(c => (w.Service, c.Image)))
            .Where(x => !images.Any(i => x.Image == i.Pinned)).ToList();
        if (unknown.Count > 0)
            throw new UnverifiedImageException($"Refusing to deploy, nothing was started: {string.Join("; ", unknown.Select(u => $"{u.Service} runs {u.Image}"))}, which is not a verified digest of this run.");

        var clock = Stopwatch.StartNew();
        var outcome = await Runtime.DeployAsync(local, images, cancellation);
        Record(outcome.Revision, outcome.Changed, clock.Elapsed, outcome.Failure, null);
        if (outcome.Failure is null) return outcome;

        var diagnosis = Diagnosis.Rank([], [new FailureEvidence("release", outcome.Failure.Contains("manifest unknown") || outcome.Failure.Contains("pull") ? "ErrImagePull" : "KubePlayFailed", outcome.Failure, null)]);
        var restored = rollback ? await TryRollbackAsync(outcome.Failure, cancellation) : null;
        Record(outcome.Revision, true, clock.Elapsed, outcome.Failure, restored);
        throw new ReleaseFailedException($"Deploy of revision {outcome.Revision.Revision} failed: {diagnosis.FirstOrDefault() ?? outcome.Failure}" +
            (restored is null ? (rollback ? "; no earlier revision to roll back to" : " (--no-rollback: left as is)") : $"; rolled back to revision {restored.Revision}"), diagnosis);
    }

    /// <summary>Verifies the current revision; on failure rolls back (unless told not to), verifies the restored one, and throws.</summary>
    public async Task<VerificationReport> VerifyAsync(IReadOnlyList<DeployImage> expected, IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain,
        TimeSpan deadline, bool rollback, CancellationToken cancellation = default)
    {
        var verifier = new LocalVerifier(Runtime, http);
        var report = await verifier.VerifyAsync(expected, endpoints, chain, @namespace, deadline, cancellation);
        RunRecord.Current?.Set("verification", report.ToRecord());
        var current = Runtime.History.Current!;
        if (report.Passed)
        {
            Runtime.History.Save(current.With(RevisionStatus.Verified));
            Log.Information("Verify passed: {Summary}", report.Summary);
            return report;
        }
        foreach (var line in report.Diagnosis) Log.Error("  {Diagnosis}", line);
        Runtime.History.Save(current.With(RevisionStatus.Failed, report.Summary));
        var restored = rollback ? await TryRollbackAsync("verification failed", cancellation) : null;
        string after = "";
        if (restored is not null)
        {
            var again = await verifier.VerifyAsync(restored.Images, endpoints, chain, @namespace, deadline, cancellation);
            if (again.Passed) Runtime.History.Save(Runtime.History.Current!.With(RevisionStatus.Verified));
            after = $"; rolled back to revision {restored.Revision}, which {(again.Passed ? "verifies again" : "also fails: " + again.Summary)}";
            RunRecord.Current?.Set("verification", new { failed = report.ToRecord(), afterRollback = again.ToRecord(), diagnosis = report.Diagnosis });
        }
        Record(current, true, report.Duration, report.Summary, restored);
        throw new ReleaseFailedException($"Verify failed for revision {current.Revision}: {report.Diagnosis.FirstOrDefault() ?? report.Summary}" +
            (restored is null ? (rollback ? "; no earlier revision to roll back to" : " (--no-rollback: left as is)") : after), report.Diagnosis);
    }

    async Task<ReleaseRevision?> TryRollbackAsync(string reason, CancellationToken cancellation)
    {
        try { return await Runtime.RollbackAsync(null, reason, cancellation); }
        catch (InvalidOperationException e) { Log.Warning("No automatic rollback: {Reason}", e.Message); return null; }
    }

    void Record(ReleaseRevision revision, bool changed, TimeSpan duration, string? failure, ReleaseRevision? rolledBackTo) =>
        RunRecord.Current?.Set("deployment", new
        {
            runtime = "local (podman kube play)", environment, @namespace, revision = revision.Revision, changed,
            manifests = Runtime.History.ManifestsOf(revision.Revision), manifestDigest = revision.ManifestDigest,
            images = revision.Images.Select(i => new { service = i.Service, reference = i.Reference, digest = i.Digest }),
            durationMs = (long)duration.TotalMilliseconds, status = failure is null ? "deployed" : "failed", failure,
            rolledBackTo = rolledBackTo?.Revision,
        });
}
