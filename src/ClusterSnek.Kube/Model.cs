namespace ClusterSnek.Kube;

/// <summary>Where a service answers and which path says it is ready (from clustersnek.yaml).</summary>
public sealed record ServiceEndpoint(string Name, int Port, string ReadyPath)
{
    /// <summary>The services this one calls (clustersnek.yaml dependsOn): a failure there is upstream of a failure here.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];
}

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

    /// <summary>The memory limit the runtime enforces (bytes), when one is set.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>The main process on the host (local runtime), to read the ports it listens on.</summary>
    public int? Pid { get; init; }

    /// <summary>The settings that choose the listening port (PORT, ASPNETCORE_HTTP_PORTS, ASPNETCORE_URLS), as the container has them.</summary>
    public IReadOnlyDictionary<string, string> PortSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Killed at its memory limit: OOMKilled, or exit code 137 (SIGKILL) under a memory limit (podman does not always set
    /// OOMKilled, and a restarted container shows the code only in its died event).
    /// </summary>
    public bool OomKilled => Reason == "OOMKilled" || ExitCode == 137 && MemoryLimitBytes > 0;

    /// <summary>The container stopped (or is restarting): not a slow start.</summary>
    public bool Exited => State is "exited" or "stopped" or "terminated" || Reason is "CrashLoopBackOff" or "OOMKilled";
}

/// <summary>What the runtime reported for a failure: events and log tails, keyed by pod/container.</summary>
public sealed record FailureEvidence(string Subject, string Reason, string Message, string? LogTail);
