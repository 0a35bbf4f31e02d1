namespace ClusterSnek.Kube;

/// <summary>
/// The checks both runtimes share, decided on what the runtime reports about live containers: rollout and readiness,
/// restarts, the exact image digests of this run, and the live security context.
/// </summary>
public static class WorkloadChecks
{
    public static IReadOnlyList<VerificationCheck> Evaluate(IReadOnlyList<Workload> workloads, IReadOnlyList<LiveContainer> live, IReadOnlyList<PinnedImage> expected)
    {
        var checks = new List<VerificationCheck>();
        foreach (var w in workloads)
        {
            var mine = live.Where(c => c.Service == w.Service).ToList();
            var wanted = w.Replicas * w.Containers.Count;
            var ready = mine.Count(c => c.Ready && c.State == "running");
            checks.Add(ready >= wanted && wanted > 0
                ? VerificationCheck.Pass("rollout", w.Service, $"{ready}/{wanted} containers running and ready")
                : VerificationCheck.Fail("rollout", w.Service, $"{ready}/{wanted} containers running and ready; " +
                    (mine.Count == 0 ? "no container found" : string.Join("; ", mine.Select(c => $"{c.Container}: {c.State}{(c.Reason is null ? "" : " (" + c.Reason + ")")}")))));

            var restarted = mine.Where(c => c.RestartCount > 0).ToList();
            checks.Add(restarted.Count == 0
                ? VerificationCheck.Pass("restarts", w.Service, mine.Count == 0 ? "no container to restart" : "0 restarts")
                : VerificationCheck.Fail("restarts", w.Service, string.Join("; ", restarted.Select(c => $"{c.Container}: {c.RestartCount} restarts"))));

            checks.Add(DigestCheck(w.Service, mine, expected));
            if (mine.Count > 0) checks.Add(SecurityCheck(w.Service, mine));
        }
        return checks;
    }

    static VerificationCheck DigestCheck(string service, IReadOnlyList<LiveContainer> mine, IReadOnlyList<PinnedImage> expected)
    {
        var image = expected.FirstOrDefault(i => i.Service == service);
        if (image is null) return VerificationCheck.Fail("image-digest", service, "this run has no signed digest for the service; it must not run");
        if (mine.Count == 0) return VerificationCheck.Fail("image-digest", service, $"expected {image.Digest}; no container running");
        var wrong = mine.Where(c => RunningDigest(c) != image.Digest.Value).ToList();
        return wrong.Count == 0
            ? VerificationCheck.Pass("image-digest", service, $"{image.Pinned} on {mine.Count} container(s)")
            : VerificationCheck.Fail("image-digest", service, $"expected {image.Digest}; " + string.Join("; ", wrong.Select(c => $"{c.Container} runs {RunningDigest(c) ?? c.Image}")));
    }

    static string? RunningDigest(LiveContainer c) =>
        c.ImageDigest is { } d && Digest.TryParse(d, out _) ? d
        : c.Image.Contains('@') ? c.Image[(c.Image.LastIndexOf('@') + 1)..] : null;

    static VerificationCheck SecurityCheck(string service, IReadOnlyList<LiveContainer> mine)
    {
        var problems = new List<string>();
        foreach (var c in mine)
        {
            var s = c.Security;
            if (s.RunAsUser is null or 0) problems.Add($"{c.Container}: runs as uid {s.RunAsUser?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(unset, image default)"}");
            if (s.ReadOnlyRootFilesystem != true) problems.Add($"{c.Container}: root filesystem is writable");
            if (s.AddedCapabilities.Count > 0) problems.Add($"{c.Container}: added capabilities {string.Join(",", s.AddedCapabilities)}");
            if (s.AllowPrivilegeEscalation != false) problems.Add($"{c.Container}: privilege escalation not disabled");
            if (s.Seccomp is null || s.Seccomp.Equals("Unconfined", StringComparison.OrdinalIgnoreCase)) problems.Add($"{c.Container}: seccomp {s.Seccomp ?? "not set"}");
        }
        var first = mine[0].Security;
        return problems.Count == 0
            ? VerificationCheck.Pass("security-context", service,
                $"uid {first.RunAsUser}, read-only rootfs, no added capabilities, no privilege escalation, seccomp {first.Seccomp} (live, {mine.Count} container(s))")
            : VerificationCheck.Fail("security-context", service, string.Join("; ", problems));
    }
}
