namespace ClusterSnek.Kube;

/// <summary>What the analyzers get from a rollout whose new pods did not get ready (LocalRuntime.StartAsync).</summary>
public sealed partial class LocalRuntime
{
    /// <summary>
    /// What the analyzers see of new pods that did not get ready, taken before they are removed: their containers (with the
    /// exit code of a restarted one), log tails, the ports their processes listen on and the answers of their ready paths on
    /// their slot ports. Null when the last rollout did not fail that way.
    /// </summary>
    public ReleaseObservation? FailedStart { get; private set; }

    async Task<ReleaseObservation> ObserveFailedStartAsync(IReadOnlyList<Workload> workloads, IReadOnlyList<SlotPlan> starting, CancellationToken cancellation)
    {
        var live = await ObserveAsync(workloads, cancellation);
        var observed = new List<LiveContainer>();
        var logs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in live)
        {
            observed.Add(c is { ExitCode: null, RestartCount: > 0 } && await LastExitCodeAsync(c, cancellation) is { } code ? c with { ExitCode = code } : c);
            // A .NET crash prints a long stack after the line that names the cause: read enough to reach it.
            logs[c.Container] = await LogTailAsync(c, 300, cancellation);
        }
        var answers = new List<ProbeAnswer>();
        foreach (var a in starting.Select(p => p.Assignment))
            if (a is { ReadyPath: { } path, SlotPort: { } port }) answers.Add(await AnswerAsync(a.Service, port, path, cancellation));
        return new ReleaseObservation
        {
            Containers = observed, Logs = logs, Answers = answers,
            Endpoints = starting.Select(p => new ServiceEndpoint(p.Assignment.Service, p.Assignment.SlotPort ?? 0, p.Assignment.ReadyPath ?? "/readyz")).ToList(),
            Listening = live.Where(c => c is { State: "running", Pid: not null }).ToDictionary(c => c.Container, c => ListeningPorts.Of(c.Pid!.Value), StringComparer.Ordinal),
        };
    }

    static async Task<ProbeAnswer> AnswerAsync(string service, int port, string path, CancellationToken cancellation)
    {
        try
        {
            using var answer = await Probe.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), cancellation);
            return new ProbeAnswer(service, port, path, (int)answer.StatusCode, (await answer.Content.ReadAsStringAsync(cancellation)).Trim(), null);
        }
        catch (HttpRequestException e) { return new ProbeAnswer(service, port, path, null, null, e.Message); }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested) { return new ProbeAnswer(service, port, path, null, null, "timed out"); }
    }
}
