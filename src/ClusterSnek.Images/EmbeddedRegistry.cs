using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>What artifacts/registry/registry.json remembers: the port (so cached references stay valid) and the PID we started.</summary>
public sealed record RegistryState(int Port, int? Pid, DateTimeOffset? StartedAt);

/// <summary>
/// The embedded Distribution registry: storage and state under artifacts/registry/, 127.0.0.1 only, stopped by its own PID.
/// </summary>
public sealed class EmbeddedRegistry(AbsolutePath directory)
{
    static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public AbsolutePath Directory { get; } = directory;
    AbsolutePath StateFile => Directory / "registry.json";
    AbsolutePath ConfigFile => Directory / "config.yml";
    AbsolutePath LogFile => Directory / "registry.log";
    AbsolutePath Storage => Directory / "storage";

    /// <summary>The PID of the registry this run started or took over (null when none).</summary>
    public int? StartedPid { get; private set; }

    /// <summary>The PID of the registry this run started or took over when it is no longer running (killed, crashed); else null.</summary>
    public int? DiedPid => StartedPid is { } pid && !IsAlive(pid) ? pid : null;

    /// <summary>
    /// The cause of a target's failure when the registry died under it (skopeo says only "unexpected EOF"); null while it runs.
    /// The next run finds the remembered PID dead and starts a new registry on the same port and storage.
    /// </summary>
    public string? StoppedDuring(string target) =>
        DiedPid is { } pid ? $"the embedded registry (pid {pid}) stopped during {target}; it is restarted on the next run" : null;

    public RegistryState? ReadState() =>
        File.Exists(StateFile) ? JsonSerializer.Deserialize<RegistryState>(File.ReadAllText(StateFile), Json) : null;

    /// <summary>
    /// The port the registry will use, decided without side effects: an explicit one; else the remembered one while it is ours
    /// or free; else the preferred one when free; else any free port.
    /// </summary>
    public int ChoosePort(int preferredPort, int? explicitPort = null)
    {
        if (explicitPort is { } port) return port;
        if (ReadState() is { } state && (IsOurs(state) || LoopbackPort.IsFree(state.Port))) return state.Port;
        return LoopbackPort.IsFree(preferredPort) ? preferredPort : LoopbackPort.Free();
    }

    /// <summary>Starts the registry on <paramref name="port"/>, or reuses the one this project left running there.</summary>
    public async Task<RegistryEndpoint> EnsureRunningAsync(DockerRegistry tool, int port, CancellationToken cancellation)
    {
        var endpoint = new RegistryEndpoint($"127.0.0.1:{port}", plainHttp: true);
        if (ReadState() is { } state && state.Port == port && IsOurs(state) && await AnswersAsync(endpoint, cancellation))
        {
            Log.Information("Reusing the embedded registry left running on 127.0.0.1:{Port} (pid {Pid})", port, state.Pid);
            // Ours (its command line names our config), so the run owns it now: stopped at the end unless kept again.
            StartedPid = state.Pid;
            return endpoint;
        }
        if (!LoopbackPort.IsFree(port))
            throw new InvalidOperationException($"Port {port} on 127.0.0.1 is already in use by another process, so the embedded registry cannot start there. " +
                "Free the port, pass --registry-port with a free one, or drop it to let ClusterSnek pick one.");

        Storage.CreateDirectory();
        File.WriteAllText(ConfigFile, $"""
            # Written by ClusterSnek for the embedded registry; regenerated on every start.
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {Storage}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """);
        var pid = tool.Start(ConfigFile, LogFile);
        StartedPid = pid;
        File.WriteAllText(StateFile, JsonSerializer.Serialize(new RegistryState(port, pid, DateTimeOffset.UtcNow), Json));
        Log.Information("Started the embedded registry on 127.0.0.1:{Port} (pid {Pid}, storage {Storage})", port, pid, Storage);

        // A registry that exited will never answer: stop looking at once.
        var started = await Readiness.WaitAsync(async token => (Answers: await AnswersAsync(endpoint, token), Alive: IsAlive(pid)),
            look => look.Answers || !look.Alive, StartDeadline, TimeSpan.FromMilliseconds(100), cancellation);
        if (started.Answers) return endpoint;
        var why = File.Exists(LogFile) ? File.ReadLines(LogFile).LastOrDefault(l => l.Trim().Length > 0) : null;
        Stop();
        throw new InvalidOperationException(
            $"The embedded registry did not answer on http://127.0.0.1:{port}/v2/ within {StartDeadline.TotalSeconds:0} s: {why ?? "no output"} (log: {LogFile}).");
    }

    /// <summary>Stops the registry this run started, by its PID only.</summary>
    public void Stop()
    {
        if (StartedPid is not { } pid) return;
        StartedPid = null;
        if (!IsAlive(pid)) return;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(5000);
            Log.Information("Stopped the embedded registry (pid {Pid})", pid);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        if (ReadState() is { } state) File.WriteAllText(StateFile, JsonSerializer.Serialize(state with { Pid = null }, Json));
    }

    /// <summary>The remembered PID is alive and is a docker-registry serving our config (PIDs get reused).</summary>
    bool IsOurs(RegistryState state) =>
        state.Pid is { } pid && IsAlive(pid) && File.Exists($"/proc/{pid}/cmdline")
        && File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(ConfigFile.ToString(), StringComparison.Ordinal);

    static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);


    public static async Task<bool> AnswersAsync(RegistryEndpoint endpoint, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(endpoint.ApiBase, cancellation);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }
}
