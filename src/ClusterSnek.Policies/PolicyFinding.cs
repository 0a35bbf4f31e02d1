namespace ClusterSnek.Policies;

/// <summary>Where a check comes from: trivy's built-in Kubernetes checks or the project's own Rego policies.</summary>
public enum PolicySource { Project, Builtin }

/// <summary>One failed check on one resource, with what to change.</summary>
public sealed record PolicyViolation(string PolicyId, string Title, string Severity, PolicySource Source, string Resource, string Field,
    string Message, string Fix, string File, int Line)
{
    /// <summary>Set when a reviewed exception covers it: reported, but not failing the run.</summary>
    public PolicyException? ExceptedBy { get; init; }
}

/// <summary>The outcome for one environment (or one --manifests path).</summary>
public sealed record PolicyResult(
    string Environment,
    int ChecksRun,
    int Passed,
    int Failed,
    IReadOnlyList<PolicyViolation> Violations,
    IReadOnlyList<PolicyViolation> Excepted,
    IReadOnlyList<DisabledCheck> Disabled,
    IReadOnlyList<string> ProjectPolicies,
    bool PlaceholderDigests)
{
    public bool Succeeded => Violations.Count == 0;
    public IReadOnlyList<string> ExceptionsUsed => Excepted.Select(v => $"{v.PolicyId} {v.Resource} (line {v.ExceptedBy!.Line}, expires {v.ExceptedBy.Expires:yyyy-MM-dd})").Distinct().ToList();
}

/// <summary>A built-in check that is not counted, and why (shown in every result, never silent).</summary>
public sealed record DisabledCheck(string Id, string Reason);
