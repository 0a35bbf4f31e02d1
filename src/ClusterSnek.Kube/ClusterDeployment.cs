using ClusterSnek.Stack;
using ClusterSnek.Tools;
using k8s;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>Deploy → Verify → Rollback on a cluster (helm + KubernetesClient); returns the deployment and verification records.</summary>
public sealed class ClusterDeployment(HelmRelease helm, ClusterTarget target, IKubernetes client)
{
    /// <summary>The trusted external images of clustersnek.yaml and VerifySignatures' verdicts on them.</summary>
    public ExternalImages External { get; init; } = ExternalImages.None;

    public ClusterRelease Release { get; } = new(helm, target);

    public async Task<DeploymentRecord> DeployAsync(RenderedManifests desired, IReadOnlyList<PinnedImage> images, IReadOnlyList<ImageVerdict> verdicts,
        string environment, IReadOnlyList<ServiceUrl> urls, CancellationToken cancellation = default)
    {
        SignatureGate.Require(images, verdicts);
        SignatureGate.RequireEveryContainer(desired, images, External);

        var outcome = await Release.DeployAsync(desired, cancellation);
        // helm's --rollback-on-failure (--atomic on Helm 3) has already restored the previous revision when the upgrade failed.
        var rollback = outcome.Failure is null ? null
            : new RollbackRecord(outcome.Revision, null, "helm upgrade failed: " + outcome.Failure, true, null, "helm rolled the release back (--rollback-on-failure)", DateTimeOffset.UtcNow);
        var record = new DeploymentRecord(environment, RuntimeKind.Cluster, target.Namespace, target.Release, outcome.Revision,
            outcome.Failure is null ? DeploymentStatus.Deployed : DeploymentStatus.RolledBack, outcome.Changed, images,
            (long)outcome.Duration.TotalMilliseconds, target.KubeContext, outcome.ChartVersion, null, null, outcome.Failure,
            outcome.Failure is null ? [] : [new DiagnosisFinding("release", "helm upgrade failed", outcome.Failure, null)], rollback, urls);
        return outcome.Failure is null ? record : throw new ReleaseFailedException(outcome.Failure, record.Diagnosis) { Deployment = record };
    }

    public async Task<VerificationRecord> VerifyAsync(int revision, IReadOnlyList<Workload> workloads, IReadOnlyList<PinnedImage> expected,
        IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain, TimeSpan deadline, bool rollback, CancellationToken cancellation = default)
    {
        var report = await new ClusterVerifier(client, Release).VerifyAsync(revision, workloads, expected, endpoints, chain, deadline, cancellation);
        if (report.Passed) return report.ToRecord(RuntimeKind.Cluster);
        foreach (var line in report.Diagnosis) Log.Error("  {Diagnosis}", line.ToString());
        var cause = report.Diagnosis.FirstOrDefault()?.ToString() ?? report.Summary;
        if (!rollback)
            throw new ReleaseFailedException($"Verify failed for revision {revision}: {cause} (--no-rollback: left as is)", report.Diagnosis)
            { Verification = report.ToRecord(RuntimeKind.Cluster) };
        var restored = await Release.RollbackAsync(null, cancellation);
        var record = report.ToRecord(RuntimeKind.Cluster, new RollbackRecord(revision, restored, "verification failed: " + cause, true, null,
            $"helm rolled back from revision {revision}; the release is now revision {restored}", DateTimeOffset.UtcNow));
        throw new ReleaseFailedException($"Verify failed for revision {revision}: {cause}; helm rolled back (now revision {restored})", report.Diagnosis)
        { Verification = record };
    }

    /// <summary>The workloads the deployed revision runs, read from <c>helm get manifest</c>.</summary>
    public async Task<IReadOnlyList<Workload>> DeployedWorkloadsAsync(CancellationToken cancellation = default) =>
        RenderedManifests.Parse(await helm.GetManifestAsync(target.Release, target.Namespace, target.KubeContext, cancellation), "helm get manifest")
            .Documents.Where(d => RenderedManifests.KindOf(d) is "Deployment" or "StatefulSet" or "DaemonSet").Select(Workload.Of).ToList();
}
