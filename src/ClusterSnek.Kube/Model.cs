using System.Text.RegularExpressions;

namespace ClusterSnek.Kube;

/// <summary>An image this run deploys: the service, its repository (no tag) and its manifest digest.</summary>
public sealed partial record DeployImage
{
    public DeployImage(string service, string reference, string digest)
    {
        if (string.IsNullOrWhiteSpace(service)) throw new ArgumentException("An image needs its service name.", nameof(service));
        if (string.IsNullOrWhiteSpace(reference) || reference.Contains('@')) throw new ArgumentException($"{service}: reference '{reference}' must be a repository without tag or digest.", nameof(reference));
        if (!DigestPattern().IsMatch(digest)) throw new ArgumentException($"{service}: '{digest}' is not a sha256 digest (sha256:<64 hex>).", nameof(digest));
        (Service, Reference, Digest) = (service, reference, digest);
    }

    public string Service { get; }
    public string Reference { get; }
    public string Digest { get; }

    /// <summary>The pinned reference a runtime pulls: repository@digest.</summary>
    public string Pinned => $"{Reference}@{Digest}";

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    internal static partial Regex DigestPattern();
}

/// <summary>Where a service answers and which path says it is ready (from clustersnek.yaml).</summary>
public sealed record ServiceEndpoint(string Name, int Port, string ReadyPath);

/// <summary>How one check came out; "not checked" is never counted as passed.</summary>
public enum CheckOutcome { Passed, Failed, NotChecked }

/// <summary>One verification check with the evidence it was decided on (goes to pipeline.json verification[]).</summary>
public sealed record VerificationCheck(string Check, string Subject, CheckOutcome Outcome, string Evidence)
{
    public static VerificationCheck Pass(string check, string subject, string evidence) => new(check, subject, CheckOutcome.Passed, evidence);
    public static VerificationCheck Fail(string check, string subject, string evidence) => new(check, subject, CheckOutcome.Failed, evidence);
    public static VerificationCheck NotHere(string check, string subject, string why) => new(check, subject, CheckOutcome.NotChecked, why);
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
}

/// <summary>What the runtime reported for a failure: events and log tails, keyed by pod/container.</summary>
public sealed record FailureEvidence(string Subject, string Reason, string Message, string? LogTail);
