using System.Text.Json;

namespace ClusterSnek.Tools;

/// <summary>How to run one container for a smoke test.</summary>
public sealed record PodmanRunSettings(string Image, string Name)
{
    public string? User { get; init; }
    public bool ReadOnly { get; init; } = true;
    public bool DropAllCapabilities { get; init; } = true;
    public bool HostNetwork { get; init; } = true;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>What <c>podman inspect</c> says about a running container's hardening.</summary>
public sealed record ContainerHardening(string User, bool ReadOnlyRootfs, IReadOnlyList<string> CapAdd, IReadOnlyList<string> CapDrop, bool Running);

/// <summary>
/// Typed podman calls with the flags that work on this machine: runc, cgroupfs, file events, explicit ulimits,
/// and the project's own storage (--root/--runroot).
/// </summary>
public sealed class Podman(ResolvedTool tool, string root, string runRoot) : ToolWrapper(tool)
{
    IEnumerable<string> Global => ["--root", root, "--runroot", runRoot, "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file"];

    public async Task<string> RunDetachedAsync(PodmanRunSettings s, CancellationToken cancellation = default)
    {
        var args = new List<string>(Global) { "run", "--detach", "--name", s.Name, "--tls-verify=false",
            "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096" };
        if (s.User is not null) args.AddRange(["--user", s.User]);
        if (s.ReadOnly) args.Add("--read-only");
        if (s.DropAllCapabilities) args.AddRange(["--cap-drop", "ALL"]);
        if (s.HostNetwork) args.AddRange(["--network", "host"]);
        foreach (var (k, v) in s.Environment) args.AddRange(["--env", $"{k}={v}"]);
        args.Add(s.Image);
        return (await RunAsync(args, null, cancellation)).StandardOutput.Trim();
    }

    public async Task<ContainerHardening> InspectAsync(string container, CancellationToken cancellation = default)
    {
        var result = await RunAsync([.. Global, "inspect", "--type", "container", container], null, cancellation);
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
        RunAsync([.. Global, "top", container, "huser", "args"], new ToolCallOptions { RequireSuccess = false }, cancellation);

    public Task<ToolResult> LogsAsync(string container, CancellationToken cancellation = default) =>
        RunAsync([.. Global, "logs", "--tail", "30", container], new ToolCallOptions { RequireSuccess = false }, cancellation);

    public Task<ToolResult> RemoveAsync(string container, CancellationToken cancellation = default) =>
        RunAsync([.. Global, "rm", "--force", "--time", "5", container], new ToolCallOptions { RequireSuccess = false }, cancellation);
}
