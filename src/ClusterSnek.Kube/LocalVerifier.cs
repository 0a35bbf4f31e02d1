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
        // The release's own readiness probe path (what a cluster would call), else clustersnek.yaml's.
        var served = endpoints.Where(e => release.Workloads.Any(w => w.Service == e.Name))
            .Select(e => release.Workloads.First(w => w.Service == e.Name).ReadyPath is { } path ? e with { ReadyPath = path } : e).ToList();

        var steady = new SteadyFailure(SteadyLooks);
        var (live, ready, _) = await Readiness.WaitAsync(async token =>
        {
            var containers = await runtime.ObserveAsync(release.Workloads, token);
            var answers = new Dictionary<string, ProbeAnswer>();
            foreach (var e in served) answers[e.Name] = await ProbeAsync(e.Name, e.Port, e.ReadyPath, token);
            return (Live: containers, Ready: answers, Steady: steady.Observe(containers, [.. answers.Values], served, Listening(containers)));
        }, look => look.Live.Count > 0 && look.Live.All(c => c.State == "running") && look.Ready.Values.All(r => r.Ok) || look.Live.Any(c => c.IsFatal) || look.Steady,
            deadline, Interval, cancellation);
        if (steady.Evidence is not null) Log.Warning("Verify stopped waiting after {Seconds:0.0} s: {Steady}", clock.Elapsed.TotalSeconds, steady.Evidence);

        var checks = new List<VerificationCheck>(WorkloadChecks.Evaluate(release.Workloads, live, expected));
        foreach (var e in served)
            checks.Add(ready[e.Name].Ok
                ? VerificationCheck.Pass("ready-endpoint", e.Name, ready[e.Name].Evidence)
                : VerificationCheck.Fail("ready-endpoint", e.Name, ready[e.Name].Evidence + $" (waited {clock.Elapsed.TotalSeconds:0.0} s" +
                    (steady.Evidence is null ? ")" : "; stopped early on a steady failure)")));
        foreach (var e in served)
        {
            var health = await ProbeAsync(e.Name, e.Port, "/healthz", cancellation);
            checks.Add(ServiceIdentityCheck.Evaluate(e, health.Ok ? health.Body : null, live.Where(c => c.Service == e.Name).ToList()));
        }
        if (chain is not null && served.FirstOrDefault(e => e.Name == chain.Service) is { } entry)
        {
            // The first call through four cold services can outlast one probe on a busy machine: when every service is ready,
            // the chain gets the rest of the deadline (at least 15 s) and a longer per-call timeout before it counts as failed.
            var allReady = ready.Values.All(r => r.Ok);
            var window = allReady ? TimeSpan.FromTicks(Math.Max((deadline - clock.Elapsed).Ticks, TimeSpan.FromSeconds(15).Ticks)) : TimeSpan.Zero;
            var answer = await Readiness.WaitAsync(token => ProbeAsync(entry.Name, entry.Port, chain.Path, token, TimeSpan.FromSeconds(10)), a => a.Ok,
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
            var failing = served.Where(e => !ready[e.Name].Ok).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            var logs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var c in live.Where(c => c.State != "running" || c.RestartCount > 0 || c.Reason is not null || failing.Contains(c.Service)))
                // A .NET crash prints a long stack after the line that names the cause, once per restart: read enough to reach it.
                logs[c.Container] = await runtime.LogTailAsync(c, 300, cancellation);
            // A restarted container runs again with its exit code reset: podman's died event still has it.
            var observed = new List<LiveContainer>();
            foreach (var c in live)
                observed.Add(c is { ExitCode: null, RestartCount: > 0 } && await runtime.LastExitCodeAsync(c, cancellation) is { } code ? c with { ExitCode = code } : c);
            diagnosis.AddRange(Diagnosis.Of(new ReleaseObservation
            {
                Containers = observed, Checks = checks, Answers = [.. ready.Values], Endpoints = served, Images = expected,
                Logs = logs, Listening = Listening(live), SteadyFailure = steady.Evidence,
            }));
        }
        var report = new VerificationReport("the local runtime", revision.Revision, checks, diagnosis, clock.Elapsed);
        Log.Information("Verify revision {Revision}: {Summary}", revision.Revision, report.Summary);
        return report;
    }

    /// <summary>Identical failing looks in a row that end the wait before the deadline (<see cref="SteadyFailure"/>).</summary>
    public int SteadyLooks { get; init; } = SteadyFailure.DefaultLooks;

    /// <summary>Time between two looks.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    static Dictionary<string, IReadOnlyList<int>> Listening(IReadOnlyList<LiveContainer> live) =>
        live.Where(c => c is { State: "running", Pid: not null }).ToDictionary(c => c.Container, c => ListeningPorts.Of(c.Pid!.Value), StringComparer.Ordinal);

    async Task<ProbeAnswer> ProbeAsync(string service, int port, string path, CancellationToken cancellation, TimeSpan? timeoutAfter = null)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(timeoutAfter ?? TimeSpan.FromSeconds(3));
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), timeout.Token);
            var body = (await response.Content.ReadAsStringAsync(timeout.Token)).Trim();
            return new ProbeAnswer(service, port, path, (int)response.StatusCode, body, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return new ProbeAnswer(service, port, path, null, null, e is OperationCanceledException ? "timed out" : e.Message);
        }
    }
}
