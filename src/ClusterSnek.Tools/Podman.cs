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
        return new PodmanStorage(Path.Combine(directory, "root"), Path.Combine(directory, "runroot"), conf);
    }
}

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
}
