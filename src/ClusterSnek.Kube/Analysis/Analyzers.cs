using System.Globalization;
using System.Text.RegularExpressions;

namespace ClusterSnek.Kube;

/// <summary>A finding with its place in the ranking: a lower tier stops a workload more directly (docs/deploy.md).</summary>
public sealed record RankedFinding(DiagnosisFinding Finding, int Tier);

/// <summary>Turns what the runtime reported into findings (Cause · Evidence · Fix). Add one to <see cref="Diagnosis.Analyzers"/>.</summary>
public interface IReleaseAnalyzer
{
    /// <summary>Short name, listed in docs/deploy.md.</summary>
    string Name { get; }

    IEnumerable<RankedFinding> Analyze(ReleaseObservation o);
}

/// <summary>The ranking of causes: what stops a workload outright before what keeps it unready, then policy, then symptoms.</summary>
public static class CauseTier
{
    public const int ImagePull = 0, MissingConfig = 10, OomKilled = 20, StartFailure = 30, Crash = 40, WrongPort = 50, Readiness = 60,
        Liveness = 70, DependencyDown = 75, PolicyAtRuntime = 80, OtherCheck = 90;

    /// <summary>Added to a finding whose subject depends on a failing service: it is downstream of the root cause.</summary>
    public const int Downstream = 1000;
}

/// <summary>Stable codes of the causes (DiagnosisFinding.Code), for tests, the report and scripts.</summary>
public static class CauseCodes
{
    public const string ImageUnknownDigest = "image-unknown-digest", ImageAuth = "image-auth", ImageRegistryDown = "image-registry-down",
        ImagePull = "image-pull", MissingSecret = "missing-secret", MissingFile = "missing-file", OomKilled = "oom-killed",
        ReadOnlyFilesystem = "read-only-filesystem", PermissionDenied = "permission-denied", CrashOnStart = "crash-on-start",
        WrongPort = "wrong-port", Readiness = "readiness-failing", Liveness = "liveness-restarts", DependencyDown = "dependency-down",
        PolicyAtRuntime = "policy-at-runtime", CheckFailed = "check-failed", DeployFailed = "deploy-failed";
}

/// <summary>The service a runtime message is about, from the pod it names (kube play: "bringing up pod backend-pod-0").</summary>
static partial class PodIn
{
    [GeneratedRegex(@"\bpod[: ]+""?([a-z0-9][a-z0-9.-]*?)(?:-s\d+)?(?:-pod-\d+)?(?:-[a-z0-9]{8,10}-[a-z0-9]{5})?""?(?:[:\s,]|$)")]
    private static partial Regex Pod();

    public static string? ServiceOf(ReleaseObservation o, string message) =>
        Pod().Match(message) is { Success: true } m && o.Endpoints.FirstOrDefault(e => e.Name == m.Groups[1].Value) is { } e ? e.Name : null;
}

static class Text
{
    public static string Mib(long bytes) => bytes % (1024 * 1024) == 0
        ? $"{bytes / (1024 * 1024)} MiB" : $"{(bytes / 1024.0 / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} MiB";

    /// <summary>The last <paramref name="count"/> non-empty lines of a log, each cut to 200 characters.</summary>
    public static IReadOnlyList<string> LastLines(string? log, int count) =>
        (log ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .TakeLast(count).Select(l => l.Length > 200 ? l[..200] + "…" : l).ToList();

    /// <summary>The first log line matching <paramref name="pattern"/>, cut to 200 characters.</summary>
    public static string? LineMatching(string? log, Regex pattern) =>
        (log ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(pattern.IsMatch) is { } l
            ? (l.Length > 200 ? l[..200] + "…" : l) : null;

    public static string ExitCode(LiveContainer c) => c.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>ErrImagePull/ImagePullBackOff, or kube play refusing an image: unknown digest, authentication, or registry down.</summary>
public sealed partial class ImagePullAnalyzer : IReleaseAnalyzer
{
    public string Name => "image pull";

    [GeneratedRegex(@"manifest unknown|MANIFEST_UNKNOWN|manifest for \S+ not found|not found: manifest|reading manifest \S+ in \S+: not found", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownDigest();

    [GeneratedRegex(@"unauthorized|authentication required|denied|\b401\b|\b403\b|no basic auth credentials", RegexOptions.IgnoreCase)]
    private static partial Regex Auth();

    [GeneratedRegex(@"connection refused|no such host|i/o timeout|no route to host|server misbehaving|network is unreachable|dial tcp|EOF|timeout", RegexOptions.IgnoreCase)]
    private static partial Regex RegistryDown();

    [GeneratedRegex(@"(?:docker://)?(\S+?@sha256:[0-9a-f]{64})")]
    private static partial Regex ImageRef();

    [GeneratedRegex(@"pull|manifest|ErrImagePull|ImagePullBackOff|initializing source", RegexOptions.IgnoreCase)]
    private static partial Regex AboutPulling();

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        var messages = o.Events.Where(e => e.Reason is "ErrImagePull" or "ImagePullBackOff" or "Failed" or "KubePlayFailed" && AboutPulling().IsMatch(e.Reason + " " + e.Message))
            .Select(e => (Subject: e.Subject, Message: e.Message))
            .Concat(o.Containers.Where(c => c.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName")
                .Select(c => (Subject: c.Service, Message: $"{c.Reason}: {c.Image}")))
            .ToList();
        foreach (var group in messages.GroupBy(m => SubjectOf(o, m.Subject, m.Message)))
        {
            // A specific message (an event's) beats the bare waiting reason.
            var message = group.Select(m => m.Message).OrderByDescending(m => UnknownDigest().IsMatch(m) || Auth().IsMatch(m) || RegistryDown().IsMatch(m)).First();
            var image = ImageRef().Match(message) is { Success: true } m ? m.Groups[1].Value : o.Images.FirstOrDefault(i => i.Service == group.Key)?.Pinned;
            var registry = image?.Split('/')[0];
            var (code, cause, fix) =
                UnknownDigest().IsMatch(message) ? (CauseCodes.ImageUnknownDigest, $"image cannot be pulled: the digest is not in the registry{(image is null ? "" : $" ({image})")}",
                    "deploy a digest that was built and pushed (rerun BuildImages), or fix the image digest in the values")
                : Auth().IsMatch(message) ? (CauseCodes.ImageAuth, $"image cannot be pulled: the registry {registry} refused the credentials",
                    "give the runtime credentials for the registry (imagePullSecrets on a cluster; podman login for the local runtime)")
                : RegistryDown().IsMatch(message) ? (CauseCodes.ImageRegistryDown, $"image cannot be pulled: the registry {registry} does not answer",
                    $"start the registry at {registry} (or point global.imageRegistry at one that runs) and deploy again")
                : (CauseCodes.ImagePull, "image cannot be pulled", "read the runtime's pull error; check the image reference and the registry");
            yield return new RankedFinding(new DiagnosisFinding(group.Key, cause, Evidence.Clip(message, 300), fix) { Code = code }, CauseTier.ImagePull);
        }
    }

    static string SubjectOf(ReleaseObservation o, string subject, string message)
    {
        if (o.Endpoints.Any(e => e.Name == subject) || o.Images.Any(i => i.Service == subject)) return subject;
        // kube play reports the whole release: the image in its message names the service.
        var image = ImageRef().Match(message) is { Success: true } m ? m.Groups[1].Value : null;
        return image is null ? PodIn.ServiceOf(o, message) ?? subject
            : o.Images.FirstOrDefault(i => image.EndsWith(i.Digest.Value, StringComparison.Ordinal) && image.StartsWith(i.Reference, StringComparison.Ordinal))?.Service
              ?? o.Images.FirstOrDefault(i => image.StartsWith(i.Reference + "@", StringComparison.Ordinal))?.Service ?? subject;
    }
}

/// <summary>A Secret or ConfigMap the workload references does not exist (CreateContainerConfigError, kube play "not found").</summary>
public sealed partial class MissingSecretAnalyzer : IReleaseAnalyzer
{
    public string Name => "missing secret or config";

    [GeneratedRegex(@"(secret|configmap|config map)s?\s+""?([\w.-]+)""?\s+not found|no (?:such )?secret (?:with )?name or id:?\s*""?([\w.-]+)|(secret|configmap) ""?([\w.-]+)""? (?:does not exist|is missing)|couldn't find key \S+ in (Secret|ConfigMap) \S+/([\w.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex NotFound();

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var e in o.Events)
        {
            var match = NotFound().Match(e.Message);
            if (!match.Success && e.Reason != "CreateContainerConfigError") continue;
            var name = match.Success ? new[] { 2, 3, 5, 7 }.Select(i => match.Groups[i].Value).FirstOrDefault(v => v.Length > 0) : null;
            var kind = match.Success && (match.Value.Contains("configmap", StringComparison.OrdinalIgnoreCase) || match.Value.Contains("config map", StringComparison.OrdinalIgnoreCase)
                || match.Groups[6].Value == "ConfigMap") ? "ConfigMap" : "Secret";
            var subject = e.Subject == "release" ? PodIn.ServiceOf(o, e.Message) ?? e.Subject : e.Subject;
            yield return new RankedFinding(new DiagnosisFinding(subject, $"missing {kind}{(name is null ? "" : " " + name)}: the container cannot be created",
                Evidence.Clip(e.Message, 300),
                $"create the {kind}{(name is null ? "" : " " + name)} in the namespace before deploying, or remove the reference (e.g. existingSecret) from the values")
            { Code = CauseCodes.MissingSecret }, CauseTier.MissingConfig);
        }
    }
}

/// <summary>The kernel killed the container at its memory limit (exit 137 under a limit, OOMKilled).</summary>
public sealed class OomAnalyzer : IReleaseAnalyzer
{
    public string Name => "OOMKilled";

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        // A 137 after the kubelet killed it for its liveness probe is that, not memory.
        foreach (var c in o.Containers.Where(c => c.Reason == "OOMKilled" || c.OomKilled && !LivenessAnalyzer.Killed(o, c.Service)).DistinctBy(c => c.Service))
        {
            var limit = c.MemoryLimitBytes is { } l ? Text.Mib(l) : "its limit";
            var last = Text.LastLines(o.LogOf(c), 1);
            yield return new RankedFinding(new DiagnosisFinding(c.Service, $"OOMKilled: the memory limit {limit} is below what the service needs",
                $"{c.Container}: exit code {Text.ExitCode(c)}, {c.RestartCount} restarts; limit {limit}, peak ≥ {limit} (killed when it reached the limit)" +
                (last.Count > 0 ? "; last log line: " + last[0] : ""),
                $"raise {c.Service}.resources.limits.memory above the service's peak (the chart's default is 256Mi), or lower its memory use")
            { Code = CauseCodes.OomKilled }, CauseTier.OomKilled);
        }
    }
}

/// <summary>A container that exits on start: the log names the cause (read-only root filesystem, permission denied as non-root, a missing file) or exit code + last lines.</summary>
public sealed partial class StartFailureAnalyzer : IReleaseAnalyzer
{
    public string Name => "crash on start";

    [GeneratedRegex(@"read-only file system|EROFS", RegexOptions.IgnoreCase)]
    private static partial Regex ReadOnly();

    [GeneratedRegex(@"permission denied|EACCES|Access to the path .* is denied|SocketException \(13\)|operation not permitted", RegexOptions.IgnoreCase)]
    private static partial Regex Denied();

    [GeneratedRegex(@"FileNotFoundException|DirectoryNotFoundException|Could not find (?:a part of the path|file)|No such file or directory|The configuration file .* was not found|ENOENT", RegexOptions.IgnoreCase)]
    private static partial Regex Missing();

    [GeneratedRegex(@"unix:(/[^\s;,]+)")]
    private static partial Regex UnixSocket();

    [GeneratedRegex(@"SocketException|Failed to bind|Socket\.Bind|DoBind", RegexOptions.IgnoreCase)]
    private static partial Regex BindFailed();

    [GeneratedRegex(@"Unhandled exception|\w+Exception:|\b(?:fatal|panic|crit|fail)\b[:\s]|""LogLevel"":""(?:Critical|Error)""", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"missing secret|secret \S+ (?:is )?(?:not found|missing|not set)", RegexOptions.IgnoreCase)]
    private static partial Regex MissingSecretInLog();

    [GeneratedRegex(@"(?:path|file)\s*'([^']+)'|'(/[^']+)'|""(/[^""]+)""|\s(/[\w./-]+)")]
    private static partial Regex PathIn();

    [GeneratedRegex(@"(?:address|port|bind|listen)\D{0,40}?(\d{1,5})\b|:(\d{1,5})\b", RegexOptions.IgnoreCase)]
    private static partial Regex PortIn();

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var c in o.Containers.Where(c => c.Reason != "OOMKilled" && !(c.OomKilled && !LivenessAnalyzer.Killed(o, c.Service))
                                                  && (c.Exited || c.RestartCount > 0)).DistinctBy(c => c.Service))
        {
            if (LivenessAnalyzer.Killed(o, c.Service)) continue; // restarted by its liveness probe, not crashing by itself
            var log = o.LogOf(c);
            var exit = $"{c.Container}: exit code {Text.ExitCode(c)}, {c.RestartCount} restarts";
            // .NET reports a unix socket bound on the read-only root as "Unknown socket error": the setting and the live
            // read-only root say what the message does not.
            var socket = c.PortSettings.Values.Select(v => UnixSocket().Match(v)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            if (socket is not null && c.Security.ReadOnlyRootFilesystem == true && !socket.StartsWith("/tmp/", StringComparison.Ordinal)
                && Text.LineMatching(log, BindFailed()) is { } bind)
                yield return Found(c, CauseCodes.ReadOnlyFilesystem, $"writes to the read-only root filesystem ({socket})",
                    $"{exit}; binds the unix socket {socket} ({string.Join(", ", c.PortSettings.Where(kv => kv.Value.Contains("unix:", StringComparison.Ordinal)).Select(kv => $"{kv.Key}={kv.Value}"))}) " +
                    $"on a read-only root filesystem (podman inspect: ReadonlyRootfs); log: {bind}",
                    "put the socket under a mounted emptyDir (the chart mounts /tmp), or listen on TCP; keep readOnlyRootFilesystem: true");
            else if (Text.LineMatching(log, ReadOnly()) is { } ro)
                yield return Found(c, CauseCodes.ReadOnlyFilesystem, $"writes to the read-only root filesystem{At(ro)}", $"{exit}; log: {ro}",
                    "write under a mounted emptyDir (the chart mounts /tmp) or point the setting at one; keep readOnlyRootFilesystem: true");
            else if (Text.LineMatching(log, Denied()) is { } denied)
            {
                var user = c.Security.RunAsUser?.ToString(CultureInfo.InvariantCulture) ?? "non-root";
                var port = Port(denied, c);
                yield return Found(c, CauseCodes.PermissionDenied,
                    port is < 1024 ? $"permission denied as non-root (uid {user}): port {port} is privileged"
                        : $"permission denied as non-root (uid {user}){At(denied)}",
                    $"{exit}; log: {denied}",
                    port is < 1024 ? "listen on a port ≥ 1024 (global.services.<app>.port; remove the override of PORT/ASPNETCORE_HTTP_PORTS); never run as root"
                        : "give the non-root user (uid 65532) a path it owns (an emptyDir volume), or change the file's mode in the image; never run as root");
            }
            else if (Text.LineMatching(log, MissingSecretInLog()) is { } secret)
                yield return Found(c, CauseCodes.MissingSecret, "a secret it needs is missing", $"{exit}; log: {secret}",
                    "create the Secret with the key the service reads and reference it from the values (existingSecret / externalSecret)");
            else if (Text.LineMatching(log, Missing()) is { } missing)
                yield return Found(c, CauseCodes.MissingFile, $"a file it needs is missing{At(missing)}", $"{exit}; log: {missing}",
                    "mount the Secret or ConfigMap that holds the file at that path (or fix the path in the values)");
            else
            {
                // The line that says what went wrong (an unhandled exception's message) comes before its stack: show it first.
                var error = Text.LineMatching(log, ErrorLine());
                var lines = Text.LastLines(log, 3).Where(l => l != error).ToList();
                if (error is not null) lines.Insert(0, error);
                yield return new RankedFinding(new DiagnosisFinding(c.Service,
                    c.ExitCode is null ? $"crashes on start (restarted {c.RestartCount} times)" : $"crashes on start (exit code {Text.ExitCode(c)})",
                    exit + (lines.Count == 0 ? "; no log output" : (error is null ? "; last log lines: " : "; log: ") + string.Join(" | ", lines)),
                    "read the last log lines: the service exits on start; fix the setting or input it names")
                { Code = CauseCodes.CrashOnStart }, CauseTier.Crash);
            }
        }
    }

    static RankedFinding Found(LiveContainer c, string code, string cause, string evidence, string fix) =>
        new(new DiagnosisFinding(c.Service, cause, Evidence.Clip(evidence, 400), fix) { Code = code }, CauseTier.StartFailure);

    static string At(string line) =>
        PathIn().Match(line) is { Success: true } m && new[] { 1, 2, 3, 4 }.Select(i => m.Groups[i].Value).FirstOrDefault(v => v.StartsWith('/')) is { } path
            ? $" ({path})" : "";

    static int? Port(string line, LiveContainer c)
    {
        foreach (var value in c.PortSettings.Values)
            if (int.TryParse(value.Split(';', ',')[0].Split(':').Last(), out var set) && set < 1024) return set;
        return PortIn().Matches(line).Select(m => int.TryParse(m.Groups[1].Value + m.Groups[2].Value, out var p) ? p : 0).FirstOrDefault(p => p is > 0 and < 65536) is var found and > 0
            ? found : null;
    }
}

/// <summary>Restarts of a running container: liveness probe failures (cluster events) or a process that exits and is restarted.</summary>
public sealed class LivenessAnalyzer : IReleaseAnalyzer
{
    public string Name => "liveness restarts";

    static bool IsLiveness(FailureEvidence e) =>
        e.Reason is "Unhealthy" or "Killing" && e.Message.Contains("Liveness", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("failed liveness probe", StringComparison.OrdinalIgnoreCase);

    /// <summary>The service's restarts come from its liveness probe (the kubelet killed it).</summary>
    public static bool Killed(ReleaseObservation o, string service) => o.Events.Any(e => e.Subject == service && IsLiveness(e));

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        var probeEvents = o.Events.Where(IsLiveness).ToList();
        foreach (var group in probeEvents.GroupBy(e => e.Subject))
        {
            var restarts = o.Containers.Where(c => c.Service == group.Key).Sum(c => c.RestartCount);
            var probe = group.FirstOrDefault(e => e.Reason == "Unhealthy") ?? group.First();
            yield return new RankedFinding(new DiagnosisFinding(group.Key, $"liveness probe fails: restarted {restarts} times",
                Evidence.Clip(probe.Message, 300) + (group.Count() > 1 ? $" ({group.Count()} events)" : ""),
                $"make the health path answer 2xx while {group.Key} works (read its log around the restarts), or relax probes.liveness (periodSeconds, failureThreshold)")
            { Code = CauseCodes.Liveness }, CauseTier.Liveness);
        }
    }
}

/// <summary>A setting the policies forbid, seen only in the running release: live security context or a digest other than the signed one.</summary>
public sealed class PolicyAtRuntimeAnalyzer : IReleaseAnalyzer
{
    public string Name => "policy at runtime";

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o)
    {
        foreach (var c in o.Checks.Where(c => c is { Check: "security-context" or "image-digest", Outcome: CheckOutcome.Failed }))
            yield return new RankedFinding(new DiagnosisFinding(c.Subject,
                c.Check == "security-context" ? "policy violated at runtime: the live security context is not hardened" : "policy violated at runtime: not the signed image",
                c.Evidence,
                c.Check == "security-context"
                    ? "remove the values that weaken the security context (non-root, read-only root filesystem, no capabilities, no privilege escalation); PolicyTest checks the rendered chart, the runtime showed this one"
                    : "deploy again from this run's verified digests; something changed the running image")
            { Code = CauseCodes.PolicyAtRuntime }, CauseTier.PolicyAtRuntime);
    }
}

/// <summary>Every other failed check (rollout, restarts, chain, identity, helm test, namespace guarantees), as evidence of last resort.</summary>
public sealed class FailedCheckAnalyzer : IReleaseAnalyzer
{
    public string Name => "failed checks";

    static readonly Dictionary<string, string> Fixes = new(StringComparer.Ordinal)
    {
        ["chain"] = "follow the chain to the first service that fails; its downstream URL or readiness is the cause",
        ["restarts"] = "read the previous container's log: it exited and was restarted",
        ["rollout"] = "see the workload's events: pods did not become available",
        ["service-identity"] = "deploy each service's own image: the port answers as another service or revision",
    };

    public IEnumerable<RankedFinding> Analyze(ReleaseObservation o) =>
        o.Checks.Where(c => c.Outcome == CheckOutcome.Failed && c.Check is not ("ready-endpoint" or "security-context" or "image-digest"))
            .Select(c => new RankedFinding(new DiagnosisFinding(c.Subject, $"{c.Check} failed", c.Evidence, Fixes.GetValueOrDefault(c.Check)) { Code = CauseCodes.CheckFailed },
                CauseTier.OtherCheck + (c.Check is "chain" ? 1 : 0)));
}

/// <summary>Cuts evidence and takes secret values out of it before it reaches the record, the log or an AI endpoint.</summary>
public static partial class Evidence
{
    // "key: value" / "key=value" for secret-like keys; whitespace alone only after Bearer/Basic ("no secret with name" is no secret).
    [GeneratedRegex(@"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|bearer|basic)\b((?<=bearer|basic)\s+|\s*[:=]\s*)(""[^""]*""|'[^']*'|[^\s,;""']+)")]
    private static partial Regex KeyValue();

    public static string Clip(string text, int length) => text.Length > length ? text[..length] + "…" : text;

    /// <summary>Registered secret values (every encoding) and <c>password=…</c>/<c>token: …</c>/<c>Bearer …</c> shapes become ***.</summary>
    public static string Redact(string text) =>
        KeyValue().Replace(Pipeline.Redactor.Redact(text), m => m.Groups[1].Value + m.Groups[2].Value + Pipeline.Redactor.Mask);

    public static DiagnosisFinding Redact(DiagnosisFinding f) => f with { Evidence = Redact(f.Evidence), Cause = Redact(f.Cause) };
}
