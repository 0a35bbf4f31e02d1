using System.Diagnostics;
using System.Net.Http;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>
/// Verify on the local runtime: waits (up to a deadline) until every container runs and every service's ready path
/// answers on its port, stops at once on a fatal state, then records each check with its evidence.
/// </summary>
public sealed class LocalVerifier(LocalRuntime runtime, HttpClient http)
{
    public async Task<VerificationReport> VerifyAsync(IReadOnlyList<PinnedImage> expected, IReadOnlyList<ServiceEndpoint> endpoints, ChainProbe? chain,
        string @namespace, TimeSpan deadline, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var revision = runtime.History.Current ?? throw new InvalidOperationException($"Nothing is deployed under {runtime.History.Directory}; run Deploy first.");
        var release = runtime.CurrentRelease()!;
        var served = endpoints.Where(e => release.Workloads.Any(w => w.Service == e.Name)).ToList();

        var (live, ready) = await Readiness.WaitAsync(async token =>
        {
            var containers = await runtime.ObserveAsync(release.Workloads, token);
            var answers = new Dictionary<string, ProbeResult>();
            foreach (var e in served) answers[e.Name] = await ProbeAsync(e.Port, e.ReadyPath, token);
            return (Live: containers, Ready: answers);
        }, look => look.Live.Count > 0 && look.Live.All(c => c.State == "running") && look.Ready.Values.All(r => r.Ok) || look.Live.Any(c => c.IsFatal),
            deadline, TimeSpan.FromMilliseconds(400), cancellation);

        var checks = new List<VerificationCheck>(WorkloadChecks.Evaluate(release.Workloads, live, expected));
        foreach (var e in served)
            checks.Add(ready[e.Name].Ok
                ? VerificationCheck.Pass("ready-endpoint", e.Name, ready[e.Name].Evidence)
                : VerificationCheck.Fail("ready-endpoint", e.Name, ready[e.Name].Evidence + $" (waited {clock.Elapsed.TotalSeconds:0.0} s)"));
        foreach (var e in served)
        {
            var health = await ProbeAsync(e.Port, "/healthz", cancellation);
            checks.Add(ServiceIdentityCheck.Evaluate(e, health.Ok ? health.Body : null, live.Where(c => c.Service == e.Name).ToList()));
        }
        if (chain is not null && served.FirstOrDefault(e => e.Name == chain.Service) is { } entry)
        {
            // The first call through four cold services can outlast one probe on a busy machine: when every service is ready,
            // the chain gets the rest of the deadline (at least 15 s) and a longer per-call timeout before it counts as failed.
            var allReady = ready.Values.All(r => r.Ok);
            var window = allReady ? TimeSpan.FromTicks(Math.Max((deadline - clock.Elapsed).Ticks, TimeSpan.FromSeconds(15).Ticks)) : TimeSpan.Zero;
            var answer = await Readiness.WaitAsync(token => ProbeAsync(entry.Port, chain.Path, token, TimeSpan.FromSeconds(10)), a => a.Ok,
                window, TimeSpan.FromSeconds(1), cancellation);
            checks.Add(answer.Ok ? VerificationCheck.Pass("chain", chain.Service, answer.Evidence) : VerificationCheck.Fail("chain", chain.Service, answer.Evidence));
        }
        else if (chain is not null)
            checks.Add(VerificationCheck.NotHere("chain", chain.Service, $"{chain.Service} is not part of this release"));
        // helm test, as on a cluster: after the other checks, and only when they passed.
        if (runtime.CurrentTestHooks() is { Count: > 0 } hooks)
            checks.AddRange(checks.Any(c => c.Outcome == CheckOutcome.Failed)
                ? [VerificationCheck.NotHere(LocalTestHooks.Check, revision.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), "not run: earlier checks failed")]
                : await runtime.TestHooks.RunAsync(hooks, release.Workloads.Select(w => w.Service).ToHashSet(), cancellation));
        checks.AddRange(ClusterOnlyChecks.NotCheckedLocally(@namespace));

        var diagnosis = new List<DiagnosisFinding>();
        if (checks.Any(c => c.Outcome == CheckOutcome.Failed))
        {
            var evidence = new List<FailureEvidence>();
            foreach (var c in live.Where(c => c.State != "running" || c.RestartCount > 0))
                evidence.Add(new FailureEvidence(c.Service, c.Reason ?? c.State, $"exit code {c.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, {c.RestartCount} restarts",
                    await runtime.LogTailAsync(c, 20, cancellation)));
            diagnosis.AddRange(Diagnosis.Rank(checks, evidence));
        }
        var report = new VerificationReport("the local runtime", revision.Revision, checks, diagnosis, clock.Elapsed);
        Log.Information("Verify revision {Revision}: {Summary}", revision.Revision, report.Summary);
        return report;
    }

    sealed record ProbeResult(bool Ok, string Evidence, string? Body = null);

    async Task<ProbeResult> ProbeAsync(int port, string path, CancellationToken cancellation, TimeSpan? timeoutAfter = null)
    {
        var url = $"http://127.0.0.1:{port}{path}";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(timeoutAfter ?? TimeSpan.FromSeconds(3));
            using var response = await http.GetAsync(new Uri(url), timeout.Token);
            var body = (await response.Content.ReadAsStringAsync(timeout.Token)).Trim();
            var shown = body.Length > 120 ? body[..120] + "…" : body;
            return new ProbeResult(response.IsSuccessStatusCode, $"GET {url} → {(int)response.StatusCode} {shown}".TrimEnd(), body);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return new ProbeResult(false, $"GET {url} → {(e is OperationCanceledException ? "timed out" : e.Message)}");
        }
    }
}
