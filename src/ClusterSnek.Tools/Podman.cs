using System.Text.Json;

namespace ClusterSnek.Tools;

/// <summary>
/// Where podman keeps its state for this project: its own storage (<c>--root</c>/<c>--runroot</c>) and a containers.conf,
/// so ClusterSnek never touches the user's containers. The flags are the ones verified to run here (DESIGN.md).
/// </summary>
public sealed record PodmanStorage(string Root, string RunRoot, string ContainersConf)
{
    /// <summary>Storage under <paramref name="directory"/> (e.g. artifacts/podman), with the containers.conf written there.</summary>
    public static PodmanStorage Under(string directory)
    {
        Directory.CreateDirectory(directory);
        var conf = Path.Combine(directory, "containers.conf");
        // Default ulimits fail in this kind of sandbox; explicit ones work (verified 2026-11-25).
        const string text = "[containers]\ndefault_ulimits = [\"nofile=4096:4096\", \"nproc=4096:4096\"]\n";
        if (!File.Exists(conf) || File.ReadAllText(conf) != text) File.WriteAllText(conf, text);
        return new PodmanStorage(Path.Combine(directory, "root"), RunRootFor(directory), conf);
    }

    /// <summary>
    /// podman refuses a runroot longer than 50 characters ("the specified runroot is longer than 50 characters"), which a
    /// checkout in a deep folder reaches at once. The runroot only holds locks and sockets of running containers, so a
    /// long one moves to a short folder under the temp directory, named by a hash of the storage folder (stable per checkout).
    /// </summary>
    public static string RunRootFor(string directory)
    {
        var inside = Path.Combine(Path.GetFullPath(directory), "runroot");
        if (inside.Length <= MaxRunRootLength) return inside;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(inside)))[..12];
        return Path.Combine("/tmp", $"clustersnek-{hash}");
    }

    const int MaxRunRootLength = 50;
}

/// <summary>How to run one container for a smoke test.</summary>
public sealed record PodmanRunSettings(string Image, string Name)
{
    public string? User { get; init; }
    public bool ReadOnly { get; init; } = true;
    public bool DropAllCapabilities { get; init; } = true;
    public bool HostNetwork { get; init; } = true;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>A Pod's <c>command</c>: replaces the image's entrypoint (null keeps it).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>A Pod's <c>args</c>: the arguments after the entrypoint.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Memory limit in podman's units (e.g. <c>96m</c>); over it the process is killed (exit 137).</summary>
    public string? Memory { get; init; }
}

/// <summary>What <c>podman inspect</c> says about a running container's hardening.</summary>
public sealed record ContainerHardening(string User, bool ReadOnlyRootfs, IReadOnlyList<string> CapAdd, IReadOnlyList<string> CapDrop, bool Running);

/// <summary>Typed podman calls against the project's own storage, with runc, cgroupfs and file events.</summary>
public sealed class Podman(ResolvedTool tool, PodmanStorage storage) : ToolWrapper(tool)
{
    public PodmanStorage Storage { get; } = storage;

    Task<ToolResult> Call(IReadOnlyList<string> arguments, bool requireSuccess, CancellationToken cancellation, TimeSpan? timeout = null) =>
        RunAsync([
            "--root", Storage.Root, "--runroot", Storage.RunRoot,
            "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            .. arguments,
        ], new ToolCallOptions
        {
            RequireSuccess = requireSuccess,
            Timeout = timeout,
            Environment = new Dictionary<string, string?> { ["CONTAINERS_CONF"] = Storage.ContainersConf },
        }, cancellation);

    /// <summary><c>podman kube play --network host</c>; a non-zero exit is returned, not thrown (the caller diagnoses it).</summary>
    public Task<ToolResult> KubePlayAsync(string manifests, bool replace, bool tlsVerify, CancellationToken cancellation = default) =>
        Call(["kube", "play", "--network", "host", $"--tls-verify={(tlsVerify ? "true" : "false")}", .. replace ? new[] { "--replace" } : [], manifests],
            requireSuccess: false, cancellation, TimeSpan.FromMinutes(5));

    /// <summary><c>podman kube down FILE</c>: removes exactly the pods that file describes.</summary>
    public Task<ToolResult> KubeDownAsync(string manifests, CancellationToken cancellation = default) =>
        Call(["kube", "down", manifests], requireSuccess: false, cancellation, TimeSpan.FromMinutes(2));

    /// <summary>Removes these pods by exact name (with their containers, after 3 s of SIGTERM); names that do not exist are ignored.</summary>
    public Task<ToolResult> RemovePodsAsync(IReadOnlyList<string> names, CancellationToken cancellation = default) =>
        names.Count == 0 ? Task.FromResult(new ToolResult(Tool.Name, [], 0, "", "", TimeSpan.Zero))
            : Call(["pod", "rm", "--force", "--ignore", "--time", "3", .. names], requireSuccess: false, cancellation, TimeSpan.FromMinutes(2));

    /// <summary>JSON array of the pods (<c>podman pod ps --format json</c>).</summary>
    public async Task<string> PodsJsonAsync(CancellationToken cancellation = default) =>
        (await Call(["pod", "ps", "--format", "json"], requireSuccess: true, cancellation)).StandardOutput;

    /// <summary>JSON array of <c>podman inspect</c> for the given containers (an empty list gives "[]").</summary>
    public async Task<string> InspectJsonAsync(IReadOnlyList<string> containers, CancellationToken cancellation = default)
    {
        if (containers.Count == 0) return "[]";
        var result = await Call(["container", "inspect", .. containers], requireSuccess: false, cancellation);
        return result.StandardOutput.TrimStart().StartsWith('[') ? result.StandardOutput : "[]";
    }

    /// <summary>
    /// Creates (or replaces) a podman secret from stdin, so the value never appears in arguments or logs. podman 4.3 has
    /// no <c>secret create --replace</c>: an existing secret of that name is removed first.
    /// </summary>
    public async Task CreateSecretAsync(string name, string content, CancellationToken cancellation = default)
    {
        await Call(["secret", "rm", name], requireSuccess: false, cancellation);
        await RunAsync([
            "--root", Storage.Root, "--runroot", Storage.RunRoot, "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            "secret", "create", name, "-",
        ], new ToolCallOptions
        {
            StandardInput = content,
            Environment = new Dictionary<string, string?> { ["CONTAINERS_CONF"] = Storage.ContainersConf },
        }, cancellation);
    }

    /// <summary>Removes a podman secret by name; a secret that is already gone is not an error.</summary>
    public Task<ToolResult> RemoveSecretAsync(string name, CancellationToken cancellation = default) =>
        Call(["secret", "rm", name], requireSuccess: false, cancellation);

    /// <summary>Names of the podman secrets in this storage.</summary>
    public async Task<IReadOnlyList<string>> SecretNamesAsync(CancellationToken cancellation = default) =>
        (await Call(["secret", "ls", "--format", "{{.Name}}"], requireSuccess: true, cancellation)).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The last <paramref name="lines"/> lines a container printed (stdout and stderr).</summary>
    public async Task<string> LogsAsync(string container, int lines, CancellationToken cancellation = default)
    {
        var result = await Call(["logs", "--tail", lines.ToString(System.Globalization.CultureInfo.InvariantCulture), container], requireSuccess: false, cancellation);
        return (result.StandardOutput + result.StandardError).TrimEnd();
    }

    /// <summary>
    /// Exit codes of the container's <c>died</c> events, oldest first (<c>podman events --stream=false</c>): a container that
    /// was restarted runs again with its exit code reset, the event keeps it.
    /// </summary>
    public async Task<IReadOnlyList<int>> ExitCodesAsync(string container, CancellationToken cancellation = default)
    {
        var result = await Call(["events", "--stream=false", "--filter", $"container={container}", "--filter", "event=died", "--format", "json"],
            requireSuccess: false, cancellation, TimeSpan.FromSeconds(30));
        var codes = new List<int>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("ContainerExitCode", out var code) && code.TryGetInt32(out var value)) codes.Add(value);
            }
            catch (JsonException) { }
        }
        return codes;
    }

    /// <summary><c>podman run --detach</c> hardened as the chart runs it (read-only, uid, no capabilities, host network).</summary>
    public async Task<string> RunDetachedAsync(PodmanRunSettings s, CancellationToken cancellation = default)
    {
        var args = new List<string> { "run", "--detach", "--name", s.Name, "--tls-verify=false", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096" };
        if (s.User is not null) args.AddRange(["--user", s.User]);
        if (s.ReadOnly) args.Add("--read-only");
        if (s.DropAllCapabilities) args.AddRange(["--cap-drop", "ALL"]);
        if (s.HostNetwork) args.AddRange(["--network", "host"]);
        foreach (var (k, v) in s.Environment) args.AddRange(["--env", $"{k}={v}"]);
        args.Add(s.Image);
        return (await Call(args, requireSuccess: true, cancellation, TimeSpan.FromMinutes(3))).StandardOutput.Trim();
    }

    /// <summary>
    /// <c>podman run --rm</c> hardened the same way, waiting for the container to exit (its exit code and output are the result);
    /// what a run-to-completion Pod (a helm test hook) does on the local runtime.
    /// </summary>
    public Task<ToolResult> RunToCompletionAsync(PodmanRunSettings s, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var args = new List<string> { "run", "--rm", "--name", s.Name, "--tls-verify=false", "--security-opt", "no-new-privileges" };
        if (s.User is not null) args.AddRange(["--user", s.User]);
        if (s.ReadOnly) args.Add("--read-only");
        if (s.DropAllCapabilities) args.AddRange(["--cap-drop", "ALL"]);
        if (s.HostNetwork) args.AddRange(["--network", "host"]);
        if (s.Memory is not null) args.AddRange(["--memory", s.Memory]);
        foreach (var (k, v) in s.Environment) args.AddRange(["--env", $"{k}={v}"]);
        if (s.Entrypoint is { Count: > 0 } entrypoint) args.AddRange(["--entrypoint", JsonSerializer.Serialize(entrypoint)]);
        args.Add(s.Image);
        args.AddRange(s.Arguments);
        return Call(args, requireSuccess: false, cancellation, timeout);
    }

    public async Task<ContainerHardening> InspectAsync(string container, CancellationToken cancellation = default)
    {
        var result = await Call(["inspect", "--type", "container", container], requireSuccess: true, cancellation);
        using var doc = JsonDocument.Parse(result.StandardOutput);
        var c = doc.RootElement[0];
        var host = c.GetProperty("HostConfig");
        static IReadOnlyList<string> List(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        return new ContainerHardening(c.GetProperty("Config").GetProperty("User").GetString() ?? "",
            host.GetProperty("ReadonlyRootfs").GetBoolean(), List(host, "CapAdd"), List(host, "CapDrop"),
            c.GetProperty("State").GetProperty("Running").GetBoolean());
    }

    /// <summary>The main process's uid as the host sees it (podman top huser; works without a shell in the image).</summary>
    public Task<ToolResult> TopAsync(string container, CancellationToken cancellation = default) =>
        Call(["top", container, "huser", "args"], requireSuccess: false, cancellation);

    /// <summary>Removes a container (after 5 s of SIGTERM); one that is already gone is not an error.</summary>
    public Task<ToolResult> RemoveAsync(string container, CancellationToken cancellation = default) =>
        Call(["rm", "--force", "--ignore", "--time", "5", container], requireSuccess: false, cancellation);
}
