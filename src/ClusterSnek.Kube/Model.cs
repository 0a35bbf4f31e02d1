namespace ClusterSnek.Kube;

/// <summary>Where a service answers and which path says it is ready (from clustersnek.yaml).</summary>
public sealed record ServiceEndpoint(string Name, int Port, string ReadyPath);

/// <summary>The security settings a running container actually has (read from the runtime, not from the chart).</summary>
public sealed record LiveSecurity(long? RunAsUser, bool? ReadOnlyRootFilesystem, IReadOnlyList<string> AddedCapabilities,
    bool? AllowPrivilegeEscalation, string? Seccomp);

/// <summary>One running (or failing) container as the runtime reports it: state, readiness, restarts, image digest, security.</summary>
public sealed record LiveContainer(
    string Service, string Pod, string Container, string Image, string? ImageDigest,
    string State, string? Reason, bool Ready, int RestartCount, int? ExitCode, LiveSecurity Security)
{
    /// <summary>Reasons that will not fix themselves by waiting: Verify stops waiting and diagnoses at once.</summary>
    public static readonly IReadOnlySet<string> FatalReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError", "OOMKilled", "InvalidImageName", "CreateContainerError",
    };

    public bool IsFatal => Reason is not null && FatalReasons.Contains(Reason);

    /// <summary>The running image's <c>org.opencontainers.image.revision</c> label, when the runtime shows it.</summary>
    public string? ImageRevision { get; init; }
}

/// <summary>What the runtime reported for a failure: events and log tails, keyed by pod/container.</summary>
public sealed record FailureEvidence(string Subject, string Reason, string Message, string? LogTail);
