using k8s.Models;

namespace ClusterSnek.Kube;

/// <summary>
/// The cluster path's checks, decided on Kubernetes API objects (KubernetesClient models): live containers from pods,
/// failure evidence from events, and the namespace guarantees podman cannot show.
/// </summary>
public static class ClusterChecks
{
    public const string HookAnnotation = "helm.sh/hook";

    static string ServiceOf(V1Pod pod) =>
        pod.Metadata.Labels?.TryGetValue("app.kubernetes.io/name", out var n) == true ? n
        : pod.Metadata.Labels?.TryGetValue("app", out var a) == true ? a : pod.Metadata.Name;

    static bool IsHook(V1Pod pod) => pod.Metadata.Annotations?.ContainsKey(HookAnnotation) == true;

    /// <summary>Every app container of the release's pods (helm test pods left out), with its live state and security context.</summary>
    public static IReadOnlyList<LiveContainer> LiveContainers(V1PodList pods) =>
        pods.Items.Where(p => !IsHook(p) && p.Metadata.DeletionTimestamp is null).SelectMany(pod =>
            (pod.Spec.Containers ?? []).Select(spec =>
            {
                var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == spec.Name);
                var (state, reason, exit) = status?.State switch
                {
                    { Running: not null } => ("running", (string?)null, (int?)null),
                    { Waiting: { } w } => ("waiting", w.Reason, null),
                    { Terminated: { } t } => ("terminated", t.Reason, t.ExitCode),
                    _ => ("pending", pod.Status?.Phase, null),
                };
                // A container restarting after an OOM kill shows Running or CrashLoopBackOff now and OOMKilled in its last state.
                if (status?.LastState?.Terminated?.Reason == "OOMKilled" && reason != "OOMKilled" && state != "running") reason = "OOMKilled";
                var podSecurity = pod.Spec.SecurityContext;
                var c = spec.SecurityContext;
                var security = new LiveSecurity(
                    c?.RunAsUser ?? podSecurity?.RunAsUser,
                    c?.ReadOnlyRootFilesystem,
                    c?.Capabilities?.Add?.ToList() ?? [],
                    c?.AllowPrivilegeEscalation,
                    c?.SeccompProfile?.Type ?? podSecurity?.SeccompProfile?.Type);
                var digest = status?.ImageID is { } id && id.Contains("@sha256:", StringComparison.Ordinal) ? id[(id.LastIndexOf('@') + 1)..] : null;
                var limit = spec.Resources?.Limits?.TryGetValue("memory", out var memory) == true ? (long?)memory.ToInt64() : null;
                // A container waiting after a crash keeps its exit code in the last state.
                exit ??= status?.LastState?.Terminated?.ExitCode;
                return new LiveContainer(ServiceOf(pod), pod.Metadata.Name, spec.Name, status?.Image ?? spec.Image, digest,
                    state, reason, status?.Ready == true, status?.RestartCount ?? 0, exit, security) { MemoryLimitBytes = limit };
            })).ToList();

    /// <summary>Warning events of the release's pods, newest last, as failure evidence (log tails are added by the caller).</summary>
    public static IReadOnlyList<FailureEvidence> Evidence(V1PodList pods, Corev1EventList events)
    {
        var byPod = pods.Items.Where(p => !IsHook(p)).ToDictionary(p => p.Metadata.Name, ServiceOf);
        var fromEvents = events.Items
            .Where(e => e.Type == "Warning" && e.InvolvedObject?.Kind == "Pod" && byPod.ContainsKey(e.InvolvedObject.Name))
            .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)
            .Select(e => new FailureEvidence(byPod[e.InvolvedObject.Name], e.Reason ?? "Warning", e.Message ?? "", null));
        // The kubelet's waiting message says what it could not do (the pull error, the missing Secret).
        string? Waiting(LiveContainer c) => pods.Items.FirstOrDefault(p => p.Metadata.Name == c.Pod)?.Status?.ContainerStatuses?
            .FirstOrDefault(s => s.Name == c.Container)?.State?.Waiting?.Message;
        var fromStatus = LiveContainers(pods).Where(c => c.IsFatal)
            .Select(c => new FailureEvidence(c.Service, c.Reason!,
                $"{c.Container} in pod {c.Pod}, {c.RestartCount} restarts" + (Waiting(c) is { Length: > 0 } m ? ": " + m : ""), null));
        return [.. fromStatus, .. fromEvents];
    }

    /// <summary>NetworkPolicy default-deny, a ServiceAccount per app, PSS labels and a quota in the release's namespace.</summary>
    public static IReadOnlyList<VerificationCheck> NamespaceGuarantees(V1Namespace ns, V1NetworkPolicyList policies, V1ServiceAccountList accounts,
        V1ResourceQuotaList quotas, V1PodList pods)
    {
        var name = ns.Metadata.Name;
        var checks = new List<VerificationCheck>();

        var denyAll = policies.Items.Where(p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 } && p.Spec.PodSelector.MatchExpressions is null or { Count: 0 }).ToList();
        bool Denies(string type) => denyAll.Any(p => p.Spec.PolicyTypes?.Contains(type) == true &&
            (type == "Ingress" ? p.Spec.Ingress is null or { Count: 0 } : p.Spec.Egress is null or { Count: 0 }));
        checks.Add(Denies("Ingress") && Denies("Egress")
            ? VerificationCheck.Pass("network-policy-default-deny", name, $"{string.Join(", ", denyAll.Select(p => p.Metadata.Name))} selects every pod and denies ingress and egress; {policies.Items.Count} policies in total")
            : VerificationCheck.Fail("network-policy-default-deny", name, $"no policy with an empty podSelector denying {(Denies("Ingress") ? "egress" : Denies("Egress") ? "ingress" : "ingress and egress")}; policies: {(policies.Items.Count == 0 ? "none" : string.Join(", ", policies.Items.Select(p => p.Metadata.Name)))}"));

        var apps = pods.Items.Where(p => !IsHook(p)).GroupBy(ServiceOf).ToList();
        var bad = apps.Where(g => g.Any(p => p.Spec.ServiceAccountName is null or "default") || g.Select(p => p.Spec.ServiceAccountName).Distinct().Count() > 1
            || apps.Any(o => o.Key != g.Key && o.Any(p => p.Spec.ServiceAccountName == g.First().Spec.ServiceAccountName))
            || !accounts.Items.Any(a => a.Metadata.Name == g.First().Spec.ServiceAccountName)).Select(g => g.Key).ToList();
        checks.Add(apps.Count > 0 && bad.Count == 0
            ? VerificationCheck.Pass("service-account-per-app", name, string.Join(", ", apps.Select(g => $"{g.Key}→{g.First().Spec.ServiceAccountName}")))
            : VerificationCheck.Fail("service-account-per-app", name, apps.Count == 0 ? "no pods" : $"shared, default or missing ServiceAccount: {string.Join(", ", bad)}"));

        var labels = ns.Metadata.Labels ?? new Dictionary<string, string>();
        var enforce = labels.TryGetValue("pod-security.kubernetes.io/enforce", out var level) ? level : null;
        checks.Add(enforce is "restricted" or "baseline"
            ? VerificationCheck.Pass("pod-security-labels", name, string.Join(", ", labels.Where(l => l.Key.StartsWith("pod-security.kubernetes.io/", StringComparison.Ordinal)).Select(l => $"{l.Key}={l.Value}")))
            : VerificationCheck.Fail("pod-security-labels", name, $"pod-security.kubernetes.io/enforce is {enforce ?? "not set"}; expected restricted (or baseline)"));

        checks.Add(quotas.Items.Count > 0
            ? VerificationCheck.Pass("resource-quota", name, string.Join("; ", quotas.Items.Select(q => $"{q.Metadata.Name}: {string.Join(", ", (q.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>()).Select(h => $"{h.Key}={h.Value}"))}")))
            : VerificationCheck.Fail("resource-quota", name, "no ResourceQuota in the namespace"));
        return checks;
    }
}
