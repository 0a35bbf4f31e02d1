using System.Globalization;

namespace ClusterSnek.Kube;

/// <summary>
/// Ends Verify's wait early on a failure that does not change: the same non-2xx answer of a service whose dependencies
/// are ready (a 500, a 404 on a wrong ready path), a process listening on another port than the probed one, or a container
/// restarting again and again, seen <see cref="Looks"/> times in a row. Nothing answering at all (a slow start) never
/// counts: --timeout bounds only that.
/// </summary>
public sealed class SteadyFailure(int looks)
{
    /// <summary>How many identical failing looks in a row end the wait (default 6, at Verify's 0.5 s interval: about 3 s).</summary>
    public int Looks { get; } = looks >= 2 ? looks : throw new ArgumentOutOfRangeException(nameof(looks), "at least 2 looks");

    public const int DefaultLooks = 6;

    /// <summary>Restarts of one container that make a crash loop, whatever the state of the moment.</summary>
    public const int CrashLoopRestarts = 3;

    readonly Dictionary<string, (string Signature, int Count)> seen = new(StringComparer.Ordinal);

    /// <summary>The steady failure once seen (service: what, how many times), else null.</summary>
    public string? Evidence { get; private set; }

    /// <summary>Takes one look; true once some service has failed the same way <see cref="Looks"/> times in a row.</summary>
    public bool Observe(IReadOnlyList<LiveContainer> live, IReadOnlyList<ProbeAnswer> answers, IReadOnlyList<ServiceEndpoint> endpoints,
        IReadOnlyDictionary<string, IReadOnlyList<int>> listening)
    {
        if (Evidence is not null) return true;
        foreach (var c in live.Where(c => c.RestartCount >= CrashLoopRestarts))
        {
            Evidence = $"{c.Service}: {c.Container} restarted {c.RestartCount} times (a crash loop)";
            return true;
        }
        var ready = answers.Where(a => a.Ok).Select(a => a.Service).ToHashSet(StringComparer.Ordinal);
        foreach (var a in answers)
        {
            string? signature = null;
            var dependencies = endpoints.FirstOrDefault(e => e.Name == a.Service)?.DependsOn ?? [];
            if (a.Status is { } status && !a.Ok && dependencies.All(ready.Contains))
                signature = $"{status.ToString(CultureInfo.InvariantCulture)} {a.Body}";
            else if (a.Unanswered && live.Where(c => c.Service == a.Service && c.State == "running").ToList() is { Count: > 0 } running
                     && running.SelectMany(c => listening.GetValueOrDefault(c.Container) ?? []).ToList() is { Count: > 0 } ports && !ports.Contains(a.Port))
                signature = $"listens on {string.Join(",", ports.Order())}";
            if (signature is null) { seen.Remove(a.Service); continue; }
            var count = seen.TryGetValue(a.Service, out var before) && before.Signature == signature ? before.Count + 1 : 1;
            seen[a.Service] = (signature, count);
            if (count >= Looks)
            {
                Evidence = $"{a.Service}: the same failure {count} times in a row ({(a.Status is null ? signature : a.Evidence)})";
                return true;
            }
        }
        return false;
    }
}

/// <summary>The TCP ports a process listens on, read from /proc (its socket inodes matched against its network namespace's tables).</summary>
public static class ListeningPorts
{
    public static IReadOnlyList<int> Of(int pid)
    {
        try
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
            var ports = new SortedSet<int>();
            foreach (var table in new[] { "tcp", "tcp6" })
            {
                var path = $"/proc/{pid}/net/{table}";
                if (!File.Exists(path)) continue;
                foreach (var line in File.ReadLines(path).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; 0A = LISTEN
                    if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
                        ports.Add(int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
            return [.. ports];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
