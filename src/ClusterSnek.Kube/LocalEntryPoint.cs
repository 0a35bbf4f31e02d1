using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>One public port of the release and the port slot that serves it now.</summary>
public sealed record EntryRoute(string Service, int Listen, int Target);

/// <summary>
/// The release's loopback entry point on the local runtime: the ClusterSnek.Entry process, which listens on the public ports
/// (127.0.0.1 unless told otherwise) and forwards each new connection to the slot routes.json names. It runs in its own
/// session (setsid), so Ctrl-C of a build does not reach it, and it is started, switched and stopped here by its pid file only.
/// </summary>
public sealed class LocalEntryPoint(string directory, string address = "127.0.0.1")
{
    /// <summary>Checked when the parameter is bound: an address the entry point could not listen on is refused before anything runs.</summary>
    public static string? InvalidAddress(string address) =>
        IPAddress.TryParse(address, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetwork ? null
            : $"--listen-address '{address}' is not an IPv4 address (e.g. 127.0.0.1, the default, or 0.0.0.0 for every interface)";

    static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);

    public string Directory { get; } = directory;
    public string Address { get; } = address;
    public string RoutesFile => Path.Combine(Directory, "routes.json");
    string PidFile => Path.Combine(Directory, "entry.pid");
    string LogFile => Path.Combine(Directory, "entry.log");
    string Program => Path.Combine(Directory, "bin", "ClusterSnek.Entry.dll");

    /// <summary>The address routes.json tells the entry point to listen on (null when there is no routes file).</summary>
    public string? ListensOn => File.Exists(RoutesFile) ? JsonNode.Parse(File.ReadAllText(RoutesFile))?["address"]?.GetValue<string>() : null;

    /// <summary>The routes as written last (empty when none).</summary>
    public IReadOnlyList<EntryRoute> Routes()
    {
        if (!File.Exists(RoutesFile)) return [];
        var node = JsonNode.Parse(File.ReadAllText(RoutesFile))!;
        return (node["routes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(r => new EntryRoute(r["service"]!.GetValue<string>(), r["listen"]!.GetValue<int>(), r["target"]!.GetValue<int>())).ToList();
    }

    /// <summary>
    /// The switch: routes.json replaced in one rename, so every connection accepted from now on goes to the new targets
    /// (the process reads the file at each accept) and none sees half a file.
    /// </summary>
    public void Switch(IReadOnlyList<EntryRoute> routes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var node = new JsonObject
        {
            ["address"] = Address,
            ["routes"] = new JsonArray(routes.OrderBy(r => r.Listen).Select(r => (JsonNode)new JsonObject
            {
                ["service"] = r.Service, ["listen"] = r.Listen, ["target"] = r.Target,
            }).ToArray()),
        };
        var temporary = RoutesFile + ".tmp";
        File.WriteAllText(temporary, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, RoutesFile, overwrite: true);
    }

    /// <summary>The pid of the running entry point this release started (its command line names our routes file), else null.</summary>
    public int? Pid => ReadPid() is { } pid && IsOurs(pid) ? pid : null;

    /// <summary>The pid of the entry point when it was started and is gone without <see cref="Stop"/> (killed, crashed); else null.</summary>
    public int? DiedPid => ReadPid() is { } pid && !IsOurs(pid) ? pid : null;

    /// <summary>The pid this run saw serving (started or found running), to tell a death during the run from an old one.</summary>
    public int? SeenPid { get; private set; }

    /// <summary>
    /// The cause of a target's failure when the entry point this run saw serving is gone (nothing answers on the public ports,
    /// and the checks would only say "connection refused"); null while it runs.
    /// </summary>
    public string? StoppedDuring(string target) =>
        SeenPid is { } pid && Pid != pid
            ? $"the release's entry point (pid {pid}) stopped during {target}; Deploy or Verify starts it again on the next run" : null;

    /// <summary>Starts the entry point when it is not running (a dead one is named and replaced); waits until it listens.</summary>
    public async Task EnsureRunningAsync(CancellationToken cancellation)
    {
        if (Pid is { } running)
        {
            SeenPid = running;
            return;
        }
        if (DiedPid is { } died)
            Log.Warning("The release's entry point (pid {Pid}) had stopped: nothing answered on its ports; starting it again", died);
        var ports = Routes().Select(r => r.Listen).ToList();
        if (ports.Count == 0) return;
        // A copy of the program, so rebuilding the build project never changes the file a running entry point executes.
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Program)!);
        foreach (var file in new[] { "ClusterSnek.Entry.dll", "ClusterSnek.Entry.runtimeconfig.json" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(Path.GetDirectoryName(Program)!, file), overwrite: true);
        File.Delete(PidFile);
        var dotnet = DotNet.Resolve().Path;
        var start = new ProcessStartInfo("setsid")
        {
            // setsid -f: its own session and process group, so the terminal's Ctrl-C (sent to the build's group) never reaches it.
            ArgumentList = { "-f", "sh", "-c", "exec \"$0\" exec \"$1\" \"$2\" >>\"$3\" 2>&1 </dev/null", dotnet, Program, RoutesFile, LogFile },
            UseShellExecute = false,
        };
        using (var launcher = Process.Start(start)!) await launcher.WaitForExitAsync(cancellation);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartDeadline)
        {
            if (Pid is { } pid)
            {
                SeenPid = pid;
                Log.Information("Started the release's entry point on {Address} (pid {Pid}): {Ports}", Address, pid, string.Join(", ", ports));
                return;
            }
            await Task.Delay(50, cancellation);
        }
        var why = File.Exists(LogFile) ? File.ReadLines(LogFile).LastOrDefault(l => l.Trim().Length > 0) : null;
        throw new InvalidOperationException($"The release's entry point did not listen on {Address} ports {string.Join(", ", ports)} within " +
            $"{StartDeadline.TotalSeconds:0} s: {why ?? "no output"} (log: {LogFile}).");
    }

    /// <summary>Stops the entry point by its own pid and forgets its routes (Down).</summary>
    public void Stop()
    {
        if (Pid is { } pid)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(5000);
                Log.Information("Stopped the release's entry point (pid {Pid})", pid);
                SeenPid = null;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        }
        File.Delete(PidFile);
        File.Delete(RoutesFile);
    }

    /// <summary>True when something accepts connections on the port at 127.0.0.1 (the entry point, or another program).</summary>
    public static bool Listening(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException) { return false; }
    }

    int? ReadPid() => File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;

    bool IsOurs(int pid) =>
        File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal)
        && File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(RoutesFile, StringComparison.Ordinal);
}
