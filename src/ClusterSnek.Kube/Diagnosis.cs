namespace ClusterSnek.Kube;

/// <summary>
/// A short ranked explanation of a failed release: what stops a workload outright first (image pull, crash, OOM,
/// config errors), then what only keeps it from being ready, then policy-like failures (digest, security context).
/// Each finding is Cause · Evidence · Fix.
/// </summary>
public static class Diagnosis
{
    static readonly string[] Order =
        ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "OOMKilled", "CrashLoopBackOff"];

    static readonly string[] CheckOrder = ["rollout", "ready-endpoint", "chain", "restarts", "image-digest", "security-context"];

    static readonly Dictionary<string, string> ReasonFixes = new(StringComparer.Ordinal)
    {
        ["ErrImagePull"] = "check that the digest exists in the registry and the registry is reachable from the runtime (rerun BuildImages)",
        ["ImagePullBackOff"] = "check that the digest exists in the registry and the registry is reachable from the runtime (rerun BuildImages)",
        ["InvalidImageName"] = "fix the image repository or digest in the values (the chart renders repository@digest)",
        ["CreateContainerConfigError"] = "create the Secret or ConfigMap key the workload references, or remove the reference",
        ["CreateContainerError"] = "read the runtime's message: a volume, user or security setting the container cannot start with",
        ["OOMKilled"] = "raise resources.limits.memory for this service, or lower its memory use",
        ["CrashLoopBackOff"] = "read the last log lines: the service exits on start",
        ["KubePlayFailed"] = "read podman's message; fix the rendered manifest or the runtime setup it names",
    };

    static readonly Dictionary<string, string> CheckFixes = new(StringComparer.Ordinal)
    {
        ["ready-endpoint"] = "make the ready path answer 2xx: check the service's dependencies and its configured port",
        ["chain"] = "follow the chain to the first service that fails; its downstream URL or readiness is the cause",
        ["restarts"] = "read the previous container's log: it exited and was restarted",
        ["image-digest"] = "deploy again from this run's verified digests; something changed the running image",
        ["security-context"] = "restore the hardened security context in the chart (non-root, read-only root filesystem, no capabilities)",
        ["rollout"] = "see the workload's events: pods did not become available",
    };

    public static IReadOnlyList<DiagnosisFinding> Rank(IReadOnlyList<VerificationCheck> checks, IReadOnlyList<FailureEvidence> evidence)
    {
        var findings = new List<DiagnosisFinding>();
        foreach (var e in evidence.OrderBy(e => Array.IndexOf(Order, e.Reason) is var i && i < 0 ? Order.Length : i))
        {
            var last = LastLine(e.LogTail);
            var finding = new DiagnosisFinding(e.Subject, e.Reason, e.Message + (last is null ? "" : (e.Message.Length > 0 ? "; " : "") + "last log line: " + last),
                ReasonFixes.GetValueOrDefault(e.Reason));
            if (!findings.Contains(finding)) findings.Add(finding);
        }
        foreach (var c in checks.Where(c => c.Outcome == CheckOutcome.Failed)
                     .OrderBy(c => Array.IndexOf(CheckOrder, c.Check) is var i && i < 0 ? CheckOrder.Length : i))
        {
            // A rollout or restart failure of a subject already explained by its runtime state adds nothing.
            if (c.Check is "rollout" or "restarts" && findings.Any(f => f.Subject == c.Subject)) continue;
            findings.Add(new DiagnosisFinding(c.Subject, $"{c.Check} failed", c.Evidence, CheckFixes.GetValueOrDefault(c.Check)));
        }
        return findings.Take(8).ToList();
    }

    static string? LastLine(string? text) =>
        text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } l
            ? (l.Length > 160 ? l[..160] + "…" : l) : null;
}
