using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using k8s;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>Deploy → Verify → Rollback on a cluster (helm + KubernetesClient), recording deployment and verification in pipeline.json.</summary>
public sealed class ClusterDeployment(HelmRelease helm, ClusterTarget target, IKubernetes client)
{
    public ClusterRelease Release { get; } = new(helm, target);

    public async Task<ClusterDeployOutcome> DeployAsync(RenderedManifests desired, IReadOnlyList<DeployImage> images, IReadOnlyList<SignatureVerdict> verdicts,
        CancellationToken cancellation = default)
    {
        SignatureGate.Require(images, verdicts);
        var unknown = desired.Images().Where(i => !images.Any(d => d.Pinned == i)).ToList();
        var hookImages = desired.Documents.Where(d => d["metadata"]?["annotations"]?[ClusterChecks.HookAnnotation] is not null)
            .Select(RenderedManifests.PodSpecOf).OfType<System.Text.Json.Nodes.JsonObject>()
            .SelectMany(s => s["containers"] as System.Text.Json.Nodes.JsonArray ?? []).Select(c => c?["image"]?.GetValue<string>()).ToHashSet();
        unknown.RemoveAll(hookImages.Contains);
        if (unknown.Count > 0)
            throw new UnverifiedImageException($"Refusing to deploy, nothing was changed: {string.Join(", ", unknown)} is not a verified digest of this run.");

        var outcome = await Release.DeployAsync(desired, cancellation);
        RunRecord.Current?.Set("deployment", new
        {
            runtime = "cluster (helm)", kubeContext = target.KubeContext, @namespace = target.Namespace, release = target.Release,
            revision = outcome.Revision, chartVersion = outcome.ChartVersion, changed = outcome.Changed,
            images = images.Select(i => new { service = i.Service, reference = i.Reference, digest = i.Digest }),
            durationMs = (long)outcome.Duration.TotalMilliseconds, status = outcome.Failure is null ? "deployed" : "failed", failure = outcome.Failure,
        });
        return outcome.Failure is null ? outcome : throw new ReleaseFailedException(outcome.Failure);
    }

    public async Task<VerificationReport> VerifyAsync(int revision, IReadOnlyList<Workload> workloads, IReadOnlyList<DeployImage> expected,
        IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain, TimeSpan deadline, bool rollback, CancellationToken cancellation = default)
    {
        var report = await new ClusterVerifier(client, Release).VerifyAsync(revision, workloads, expected, endpoints, chain, deadline, cancellation);
        RunRecord.Current?.Set("verification", report.ToRecord());
        if (report.Passed) return report;
        foreach (var line in report.Diagnosis) Log.Error("  {Diagnosis}", line);
        if (!rollback) throw new ReleaseFailedException($"Verify failed for revision {revision}: {report.Diagnosis.FirstOrDefault() ?? report.Summary} (--no-rollback: left as is)", report.Diagnosis);
        var restored = await Release.RollbackAsync(null, cancellation);
        throw new ReleaseFailedException($"Verify failed for revision {revision}: {report.Diagnosis.FirstOrDefault() ?? report.Summary}; helm rolled back (now revision {restored})", report.Diagnosis);
    }

    /// <summary>The workloads the deployed revision runs, read from <c>helm get manifest</c>.</summary>
    public async Task<IReadOnlyList<Workload>> DeployedWorkloadsAsync(CancellationToken cancellation = default) =>
        RenderedManifests.Parse(await helm.GetManifestAsync(target.Release, target.Namespace, target.KubeContext, cancellation), "helm get manifest")
            .Documents.Where(d => RenderedManifests.KindOf(d) is "Deployment" or "StatefulSet" or "DaemonSet").Select(Workload.Of).ToList();
}
