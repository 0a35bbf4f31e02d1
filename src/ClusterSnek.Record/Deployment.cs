namespace ClusterSnek.Record;

/// <summary>Where a release runs: the podman local runtime, or a Kubernetes cluster through helm.</summary>
public enum RuntimeKind { Local, Cluster }

/// <summary>How Deploy left the release.</summary>
public enum DeploymentStatus { Deployed, Failed, RolledBack }

/// <summary>
/// The deployment section (written by Deploy): which release revision runs where, with which images, and, when Deploy
/// itself failed, the diagnosis and the rollback. Verify's outcome is in its own section.
/// </summary>
public sealed record DeploymentRecord(
    string Environment, RuntimeKind Runtime, string Namespace, string Release, int Revision, DeploymentStatus Status, bool Changed,
    IReadOnlyList<PinnedImage> Images, long DurationMs, string? KubeContext, string? ChartVersion, string? Manifests, string? ManifestDigest,
    string? Failure, IReadOnlyList<DiagnosisFinding> Diagnosis, RollbackRecord? Rollback, IReadOnlyList<ServiceUrl> Urls)
{
    /// <summary>On the local runtime: which services started on their other slot, which kept running untouched, and what serves now.</summary>
    public RolloutRecord? Rollout { get; init; }
}

/// <summary>
/// A local-runtime rollout: services started on their other port slot before the switch, services whose pods kept running
/// untouched (same spec and digest), and the revision serving afterwards (after a failure: the one that kept serving).
/// </summary>
public sealed record RolloutRecord(IReadOnlyList<string> Started, IReadOnlyList<string> Kept, int? Serving);

/// <summary>Where a service of the release answers.</summary>
public sealed record ServiceUrl(string Service, string Url);

/// <summary>A rollback: from which revision to which, why, and whether the restored revision verified again.</summary>
public sealed record RollbackRecord(int FromRevision, int? ToRevision, string Reason, bool Restored, bool? VerifiedAfter, string Summary, DateTimeOffset At);
