using System.Diagnostics;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>The dummy build (tests/ClusterSnek.Pipeline.Tests.Dummy) running as its own process against a <see cref="TempRoot"/>.</summary>
public sealed class DummyRun : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(8);

    readonly Process process;
    readonly List<string> lines = [];

    DummyRun(Process process) => this.process = process;

    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    public string Output
    {
        get { lock (lines) return string.Join("\n", lines); }
    }

    public static DummyRun Start(TempRoot root, params string[] args)
    {
        var info = new ProcessStartInfo(DotNetHost()) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterSnek.Pipeline.Tests.Dummy.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CLUSTERSNEK_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(name);
        info.Environment["CLUSTERSNEK_ROOT"] = root.Path;
        var run = new DummyRun(new Process { StartInfo = info });
        run.process.OutputDataReceived += (_, e) => run.Add(e.Data);
        run.process.ErrorDataReceived += (_, e) => run.Add(e.Data);
        run.process.Start();
        run.process.BeginOutputReadLine();
        run.process.BeginErrorReadLine();
        return run;
    }

    void Add(string? line)
    {
        if (line is null) return;
        lock (lines) lines.Add(line);
    }

    /// <summary>The first line of its output that starts with this text, once it appears.</summary>
    public async Task<string> LineStartingWithAsync(string start)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            lock (lines)
                if (lines.FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal)) is { } line) return line;
            if (process.HasExited) break;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"no line starting with '{start}' within {Patience.TotalSeconds} s; output:\n{Output}");
    }

    public async Task<int> ExitCodeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>SIGKILL on Unix (kill -9): the process gets no chance to clean up.</summary>
    public void Kill() => process.Kill();

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }

    static string DotNetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
