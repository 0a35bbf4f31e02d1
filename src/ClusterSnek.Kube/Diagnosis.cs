namespace ClusterSnek.Kube;

/// <summary>
/// A short ranked explanation of a failed release: what stops a workload outright first (image pull, crash, OOM,
/// config errors), then what only keeps it from being ready, then policy-like failures (digest, security context).
/// </summary>
public static class Diagnosis
{
    static readonly string[] Order =
        ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "OOMKilled", "CrashLoopBackOff"];

    static readonly string[] CheckOrder = ["rollout", "ready-endpoint", "chain", "restarts", "image-digest", "security-context"];

    public static IReadOnlyList<string> Rank(IReadOnlyList<VerificationCheck> checks, IReadOnlyList<FailureEvidence> evidence)
    {
        var lines = new List<string>();
        foreach (var e in evidence.OrderBy(e => Array.IndexOf(Order, e.Reason) is var i && i < 0 ? Order.Length : i))
        {
            var last = LastLine(e.LogTail);
            var line = $"{e.Subject}: {e.Reason}" + (e.Message.Length > 0 ? $" ({e.Message})" : "") + (last is null ? "" : $", last log line: {last}");
            if (!lines.Contains(line)) lines.Add(line);
        }
        foreach (var c in checks.Where(c => c.Outcome == CheckOutcome.Failed)
                     .OrderBy(c => Array.IndexOf(CheckOrder, c.Check) is var i && i < 0 ? CheckOrder.Length : i))
        {
            var line = $"{c.Subject}: {c.Check} failed: {c.Evidence}";
            if (!lines.Any(l => l.StartsWith(c.Subject + ":", StringComparison.Ordinal) && c.Check is "rollout" or "restarts")) lines.Add(line);
        }
        return lines.Take(8).ToList();
    }

    static string? LastLine(string? text) =>
        text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } l
            ? (l.Length > 160 ? l[..160] + "…" : l) : null;
}
