using System.Diagnostics;
using ClusterSnek.Pipeline;
using k8s;
using k8s.Models;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>
/// Verify on a cluster: waits for rollout (stopping at once on a fatal container state), then checks the live pods,
/// each service's ready path and the chain through the API server's service proxy, the namespace guarantees, and helm test.
/// </summary>
public sealed class ClusterVerifier(IKubernetes client, ClusterRelease release)
{
    public async Task<VerificationReport> VerifyAsync(int revision, IReadOnlyList<Workload> workloads, IReadOnlyList<PinnedImage> expected,
        IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain, TimeSpan deadline, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var ns = release.Target.Namespace;
        var pods = await Readiness.WaitAsync(token => client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: token), list =>
        {
            var live = ClusterChecks.LiveContainers(list);
            return workloads.All(w => live.Count(c => c.Service == w.Service && c.Ready) >= w.Replicas * w.Containers.Count) || live.Any(c => c.IsFatal);
        }, deadline, TimeSpan.FromSeconds(1), cancellation);
        var containers = ClusterChecks.LiveContainers(pods);
        var checks = new List<VerificationCheck>(WorkloadChecks.Evaluate(workloads, containers, expected));

        var served = endpoints.Where(e => workloads.Any(w => w.Service == e.Name)).ToList();
        foreach (var e in served) checks.Add(await ProxyCheckAsync("ready-endpoint", e, e.ReadyPath, cancellation));
        if (chain is not null && served.FirstOrDefault(e => e.Name == chain.Service) is { } entry)
            checks.Add(await ProxyCheckAsync("chain", entry, chain.Path, cancellation));

        checks.AddRange(ClusterChecks.NamespaceGuarantees(
            await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellation),
            await client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, cancellationToken: cancellation),
            await client.CoreV1.ListNamespacedServiceAccountAsync(ns, cancellationToken: cancellation),
            await client.CoreV1.ListNamespacedResourceQuotaAsync(ns, cancellationToken: cancellation),
            pods));

        if (checks.All(c => c.Outcome != CheckOutcome.Failed))
        {
            var test = await release.TestAsync(cancellation);
            checks.Add(test.Succeeded
                ? VerificationCheck.Pass("helm-test", release.Target.Release, "helm test passed")
                : VerificationCheck.Fail("helm-test", release.Target.Release, $"helm test exit {test.ExitCode}: {test.LastErrorLine}"));
        }
        else checks.Add(VerificationCheck.NotHere("helm-test", release.Target.Release, "not run: earlier checks failed"));

        var diagnosis = new List<DiagnosisFinding>();
        if (checks.Any(c => c.Outcome == CheckOutcome.Failed))
        {
            var events = await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellation);
            var evidence = new List<FailureEvidence>();
            foreach (var e in ClusterChecks.Evidence(pods, events))
            {
                var failing = containers.FirstOrDefault(c => c.Service == e.Subject && (c.IsFatal || c.RestartCount > 0));
                evidence.Add(failing is null ? e : e with { LogTail = await LogTailAsync(ns, failing, cancellation) });
            }
            diagnosis.AddRange(Diagnosis.Rank(checks, evidence, containers, endpoints, expected));
        }
        var report = new VerificationReport($"cluster {release.Target.KubeContext ?? "(current context)"}", revision, checks, diagnosis, clock.Elapsed);
        Log.Information("Verify revision {Revision}: {Summary}", revision, report.Summary);
        return report;
    }

    async Task<VerificationCheck> ProxyCheckAsync(string check, ServiceEndpoint e, string path, CancellationToken cancellation)
    {
        // The API server's service proxy reaches the Service like a port-forward would, without a local listener.
        var where = $"services/{e.Name}:{e.Port}/proxy{path}";
        try
        {
            await using var body = await client.CoreV1.ConnectGetNamespacedServiceProxyWithPathAsync($"{e.Name}:{e.Port}", release.Target.Namespace, path.TrimStart('/'), cancellationToken: cancellation);
            using var reader = new StreamReader(body);
            var text = (await reader.ReadToEndAsync(cancellation)).Trim();
            return VerificationCheck.Pass(check, e.Name, $"GET {where} → 200 {(text.Length > 120 ? text[..120] + "…" : text)}".TrimEnd());
        }
        catch (k8s.Autorest.HttpOperationException x)
        {
            return VerificationCheck.Fail(check, e.Name, $"GET {where} → {(int)x.Response.StatusCode} {x.Response.Content?.Trim()}");
        }
    }

    async Task<string?> LogTailAsync(string ns, LiveContainer c, CancellationToken cancellation)
    {
        try
        {
            await using var log = await client.CoreV1.ReadNamespacedPodLogAsync(c.Pod, ns, container: c.Container, tailLines: 20,
                previous: c.RestartCount > 0, cancellationToken: cancellation);
            using var reader = new StreamReader(log);
            return await reader.ReadToEndAsync(cancellation);
        }
        catch (k8s.Autorest.HttpOperationException x)
        {
            Log.Debug("No log for {Pod}/{Container}: {Status}", c.Pod, c.Container, x.Response.StatusCode);
            return null;
        }
    }
}
