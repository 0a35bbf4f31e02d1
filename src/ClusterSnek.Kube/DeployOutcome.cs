namespace ClusterSnek.Kube;

/// <summary>
/// What a deploy did: the revision it made (or the current one when nothing changed), whether anything changed, the failure
/// when the new pods did not come up, and the revision serving afterwards.
/// </summary>
public sealed record DeployOutcome(ReleaseRevision Revision, bool Changed, string? Failure)
{
    /// <summary>The revision serving after this deploy: the new one, or (after a failure) the one that kept serving.</summary>
    public int? Serving { get; init; }

    /// <summary>Services started on their other slot, and services whose pods were kept running untouched.</summary>
    public IReadOnlyList<string> Started { get; init; } = [];

    public IReadOnlyList<string> Kept { get; init; } = [];
}

/// <summary>A deploy or rollback stopped by Ctrl-C (or SIGTERM) before its switch; what serves is what served before it.</summary>
public sealed class RolloutInterruptedException(ReleaseRevision revision, int? serving, string message) : OperationCanceledException(message)
{
    public ReleaseRevision Revision { get; } = revision;

    /// <summary>The revision still serving (null when nothing was deployed before).</summary>
    public int? Serving { get; } = serving;
}
