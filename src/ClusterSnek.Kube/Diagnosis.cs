namespace ClusterSnek.Kube;

/// <summary>
/// A short ranked explanation of a failed release, Cause · Evidence · Fix per finding, made by the <see cref="Analyzers"/>
/// over what the runtime reported. The first finding is the root cause: what stops a workload outright (image pull,
/// missing config, OOM, crash) ranks before what only keeps it unready, and a service whose dependency fails is ranked
/// after that dependency, as its downstream symptom. Evidence is redacted before it leaves.
/// </summary>
public static class Diagnosis
{
    /// <summary>The analyzers, in no particular order (the tiers rank their findings). Add one here and list it in docs/deploy.md.</summary>
    public static readonly IReadOnlyList<IReleaseAnalyzer> Analyzers =
    [
        new ImagePullAnalyzer(), new MissingSecretAnalyzer(), new OomAnalyzer(), new StartFailureAnalyzer(), new WrongPortAnalyzer(),
        new ReadinessAnalyzer(), new DependencyAnalyzer(), new LivenessAnalyzer(), new PolicyAtRuntimeAnalyzer(), new FailedCheckAnalyzer(),
    ];

    /// <summary>At most this many findings are kept: the root cause and the symptoms worth reading.</summary>
    public const int MaxFindings = 8;

    static readonly Dictionary<string, string> ReasonFixes = new(StringComparer.Ordinal)
    {
        ["CreateContainerConfigError"] = "create the Secret or ConfigMap key the workload references, or remove the reference",
        ["CreateContainerError"] = "read the runtime's message: a volume, user or security setting the container cannot start with",
        ["KubePlayFailed"] = "read podman's message; fix the rendered manifest or the runtime setup it names",
    };

    public static IReadOnlyList<DiagnosisFinding> Of(ReleaseObservation observation)
    {
        var found = Analyzers.SelectMany(a => a.Analyze(observation)).ToList();
        // Runtime states and events no analyzer explained still say something.
        foreach (var e in observation.Events.Where(e => found.All(f => f.Finding.Subject != e.Subject && !f.Finding.Evidence.StartsWith(Evidence.Clip(e.Message, 80).TrimEnd('…'), StringComparison.Ordinal))))
            found.Add(new RankedFinding(new DiagnosisFinding(e.Subject, e.Reason, Evidence.Clip(e.Message, 300), ReasonFixes.GetValueOrDefault(e.Reason))
            { Code = CauseCodes.DeployFailed }, CauseTier.Crash));
        foreach (var c in observation.Containers.Where(c => c.IsFatal && found.All(f => f.Finding.Subject != c.Service)))
            found.Add(new RankedFinding(new DiagnosisFinding(c.Service, c.Reason!, $"{c.Container} in pod {c.Pod}, {c.RestartCount} restarts",
                ReasonFixes.GetValueOrDefault(c.Reason!)) { Code = CauseCodes.CheckFailed }, CauseTier.Crash));

        // A subject explained by a specific cause needs no generic rollout/restart/readiness line of its own.
        found.RemoveAll(f => f.Tier >= CauseTier.Readiness && f.Tier != CauseTier.PolicyAtRuntime && f.Finding.Code != CauseCodes.DependencyDown
                             && found.Any(o => o.Finding.Subject == f.Finding.Subject && o.Tier < CauseTier.Readiness));

        // Downstream of a failing service is a symptom, not a cause. Of the symptoms only the named links of the chain stay
        // (dependency down): "nothing answers" or a failed chain call of a service whose dependency crashed says nothing new.
        var failing = found.Where(f => f.Tier < CauseTier.PolicyAtRuntime).Select(f => f.Finding.Subject).ToHashSet(StringComparer.Ordinal);
        bool Downstream(RankedFinding f) => observation.UpstreamOf(f.Finding.Subject).Any(failing.Contains);
        found.RemoveAll(f => Downstream(f) && f.Finding.Code is CauseCodes.Readiness or CauseCodes.CheckFailed);
        var ranked = found
            .Select(f => Downstream(f) ? f with { Tier = f.Tier + CauseTier.Downstream } : f)
            .OrderBy(f => f.Tier).ThenBy(f => observation.UpstreamOf(f.Finding.Subject).Count)
            .Select(f => Evidence.Redact(f.Finding))
            .Distinct().Take(MaxFindings).ToList();
        return ranked;
    }

    /// <summary>The findings on checks and runtime evidence alone (the cluster path, and callers without answers or logs).</summary>
    public static IReadOnlyList<DiagnosisFinding> Rank(IReadOnlyList<VerificationCheck> checks, IReadOnlyList<FailureEvidence> evidence,
        IReadOnlyList<LiveContainer>? containers = null, IReadOnlyList<ServiceEndpoint>? endpoints = null, IReadOnlyList<PinnedImage>? images = null) =>
        Of(new ReleaseObservation
        {
            Checks = checks, Events = evidence, Containers = containers ?? [], Endpoints = endpoints ?? [], Images = images ?? [],
        });
}
