using System.Globalization;
using System.Text.RegularExpressions;

namespace ClusterSnek.Kube;

// The analyzers of what a running process answers: its port, its ready path, its dependency (container states: Analyzers.cs).

/// <summary>The process runs and listens, but on another port than the one the probe and the Service use.</summary>
public sealed partial class WrongPortAnalyzer : IReleaseAnalyzer
{
    public string Name => "wrong port";

    [GeneratedRegex(@"[Nn]ow listening on:?\s*https?://[^\s:""]+:(\d+)|listening on (?:port )?:?(\d{2,5})")]
    private static partial Regex ListeningIn();

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var answer in o.Answers.Where(a => a.Unanswered && a.Port > 0))
        {
            var containers = o.Containers.Where(c => c.Service == answer.Service && !c.Exited).ToList();
            if (containers.Count == 0) continue;
            var ports = ListenedOn(o, containers);
            if (ports.Count == 0 || ports.Contains(answer.Port)) continue;
            var settings = containers.SelectMany(c => c.PortSettings).Where(kv => !kv.Value.Contains(answer.Port.ToString(CultureInfo.InvariantCulture)))
                .Select(kv => $"{kv.Key}={kv.Value}").Distinct().ToList();
            yield return new RankedFinding(new DiagnosisFinding(answer.Service,
                $"listens on port {string.Join(", ", ports)}, not on {answer.Port} where the probe and the Service call it",
                $"{answer.Evidence}; {containers[0].Container} listens on {string.Join(", ", ports.Select(p => "127.0.0.1:" + p))}" +
                (settings.Count > 0 ? $"; set in the container: {string.Join(", ", settings)}" : ""),
                $"make the service listen on global.services.{answer.Service}.port ({answer.Port}): remove the override" +
                (settings.Count > 0 ? $" ({string.Join(", ", settings.Select(s => s.Split('=')[0]))})" : "") + " from the values")
            { Code = CauseCodes.WrongPort }, CauseTier.WrongPort);
        }
    }

    static IReadOnlyList<int> ListenedOn(ReleaseObservation o, IReadOnlyList<LiveContainer> containers)
    {
        var ports = new SortedSet<int>();
        foreach (var c in containers)
        {
            if (o.Listening.TryGetValue(c.Container, out var listened)) ports.UnionWith(listened);
            foreach (var line in (o.LogOf(c) ?? "").Split('\n'))
                foreach (Match m in ListeningIn().Matches(line))
                    if (int.TryParse(m.Groups[1].Value + m.Groups[2].Value, out var p)) ports.Add(p);
        }
        return [.. ports];
    }
}

/// <summary>
/// The ready path answers but not 2xx (which path, status code, body excerpt), or never answers. An answer that blames a
/// dependency is left to <see cref="DependencyAnalyzer"/>.
/// </summary>
public sealed class ReadinessAnalyzer : IReleaseAnalyzer
{
    public string Name => "readiness";

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var a in o.ReadyAnswers.Where(a => !a.Ok))
        {
            if (DependencyAnalyzer.Blamed(o, a) is not null) continue;
            if (o.Containers.Any(c => c.Service == a.Service && c.Exited)) continue; // the crash is the cause
            var (cause, fix) = a.Status switch
            {
                404 => ($"readiness fails: {a.Path} answers 404 (the service has no such path)",
                    $"set global.services.{a.Service}.ready to the path the service serves (its /readyz), or serve {a.Path}"),
                { } s => ($"readiness fails: {a.Path} answers {s}", "read the body: the service says why it is not ready; fix that setting or input"),
                null => (a.Port > 0 ? $"readiness fails: nothing answers on port {a.Port}" : "readiness fails: no answer",
                    "the service did not listen within --timeout: read its log (a slow start, a hang, or another port)"),
            };
            var steady = o.SteadyFailure is not null && o.SteadyFailure.StartsWith(a.Service + ":", StringComparison.Ordinal) ? $"; {o.SteadyFailure}" : "";
            var evidence = a.Port > 0 ? a.Evidence : o.Checks.First(c => c.Check == "ready-endpoint" && c.Subject == a.Service).Evidence;
            yield return new RankedFinding(new DiagnosisFinding(a.Service, cause, evidence + steady, fix) { Code = CauseCodes.Readiness }, CauseTier.Readiness);
        }
    }
}

/// <summary>
/// A dependency in the chain is down: a ready answer that blames the downstream URL, or a service whose dependency fails.
/// Names which one, and upstream of whom.
/// </summary>
public sealed partial class DependencyAnalyzer : IReleaseAnalyzer
{
    public string Name => "dependency down";

    [GeneratedRegex(@"(https?://[^\s/""]+)/?\S*\s+(?:unreachable|answered\s+\d{3})")]
    private static partial Regex BlamedUrl();

    /// <summary>The dependency a not-ready answer blames (by port on the local runtime, by host on a cluster), or null.</summary>
    public static string? Blamed(ReleaseObservation o, ProbeAnswer a)
    {
        if (a.Body is null || BlamedUrl().Match(a.Body) is not { Success: true } m || !Uri.TryCreate(m.Groups[1].Value, UriKind.Absolute, out var url)) return null;
        // Not a service of the release: name the address itself (a dependency outside the release, or a wrong URL).
        return o.Endpoints.FirstOrDefault(e => e.Name != a.Service && (e.Port == url.Port && url.Host is "127.0.0.1" or "localhost" || e.Name == url.Host))?.Name
            ?? url.Authority;
    }

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var a in o.ReadyAnswers.Where(a => !a.Ok))
        {
            if (Blamed(o, a) is not { } dependency) continue;
            var downstream = o.DependentsOf(a.Service);
            var inRelease = o.Endpoints.Any(e => e.Name == dependency);
            var declared = o.DependenciesOf(a.Service).ToList();
            var fix = inRelease
                ? $"bring {dependency} up first: its own finding says why it is down; {a.Service} is ready once {dependency} answers"
                : $"nothing of the release answers at {dependency}" + (declared.Count > 0
                    ? $": {a.Service} should call {string.Join(", ", declared)}; remove the override of its downstream URL (CLUSTERSNEK_DOWNSTREAM_URL) from the values"
                    : ": start that dependency, or point the service at one that runs");
            yield return new RankedFinding(new DiagnosisFinding(a.Service,
                $"dependency {dependency} is down (upstream of {string.Join(", ", new[] { a.Service }.Concat(downstream))})",
                a.Port > 0 ? a.Evidence : o.Checks.First(c => c.Check == "ready-endpoint" && c.Subject == a.Service).Evidence, fix) { Code = CauseCodes.DependencyDown }, CauseTier.DependencyDown);
        }
    }
}
