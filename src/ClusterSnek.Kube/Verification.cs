namespace ClusterSnek.Kube;

/// <summary>The end-to-end call: the entry service's path that walks frontend → backend → ai-agent → mcp-server.</summary>
public sealed record ChainProbe(string Service, string Path)
{
    public const string DefaultPath = "/api/chain";
}

/// <summary>The outcome of Verify: every check with its evidence, and the ranked diagnosis when something failed.</summary>
public sealed record VerificationReport(string Runtime, int Revision, IReadOnlyList<VerificationCheck> Checks, IReadOnlyList<DiagnosisFinding> Diagnosis, TimeSpan Duration)
{
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Outcome != CheckOutcome.Failed);

    public int Count(CheckOutcome outcome) => Checks.Count(c => c.Outcome == outcome);

    /// <summary>One line for the log and the exception: counts, and the first failures.</summary>
    public string Summary =>
        $"{Count(CheckOutcome.Passed)} passed, {Count(CheckOutcome.Failed)} failed, {Count(CheckOutcome.NotChecked)} not checked on {Runtime}" +
        (Passed ? "" : ": " + string.Join("; ", Checks.Where(c => c.Outcome == CheckOutcome.Failed).Take(3).Select(c => $"{c.Check} {c.Subject}: {c.Evidence}")));

    /// <summary>pipeline.json's verification section: these checks, the diagnosis, and the rollback with the restored revision's checks.</summary>
    public VerificationRecord ToRecord(RuntimeKind runtime, RollbackRecord? rollback = null, VerificationReport? afterRollback = null) =>
        new(runtime, Revision, Passed, Checks, Diagnosis, rollback, afterRollback?.Checks, (long)Duration.TotalMilliseconds);
}

/// <summary>Checks that need a Kubernetes API server; the local runtime lists them as not checked, never as passed.</summary>
public static class ClusterOnlyChecks
{
    public static readonly IReadOnlyList<string> Names = ["network-policy-default-deny", "service-account-per-app", "pod-security-labels", "resource-quota"];

    public static IEnumerable<VerificationCheck> NotCheckedLocally(string @namespace) =>
        Names.Select(n => VerificationCheck.NotHere(n, @namespace, "not checked on the local runtime (podman has no API server; runs on a cluster with --kube-context)"));
}
