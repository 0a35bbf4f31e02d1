using System.Diagnostics;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// A throwaway root (.nuke/ and a clustersnek.yaml) and the compiled build (_build.dll, copied next to the tests) run in it as its
/// own process, the way build.sh runs it: what a user sees is the process's whole output and exit code.
/// </summary>
public sealed class ThrowawayRoot : IDisposable
{
    public AbsolutePath Path { get; } = new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clustersnek-faults-" + Guid.NewGuid().ToString("N")[..8]));

    public ThrowawayRoot(string? manifest = null)
    {
        (Path / ".nuke").CreateDirectory();
        File.WriteAllText(Path / "clustersnek.yaml", manifest ?? File.ReadAllText(PipelineBuild.RootDirectory / "clustersnek.yaml"));
    }

    public (int Exit, string Output) Run(IEnumerable<string> args) => Run(args, new Dictionary<string, string>());

    /// <summary>Runs with extra environment variables (e.g. HOME for the cache key, LD_PRELOAD for another clock).</summary>
    public (int Exit, string Output) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(DotNetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path };
        info.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "_build.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CLUSTERSNEK_", StringComparison.Ordinal) || k == "CI").ToList())
            info.Environment.Remove(name);
        info.Environment["CLUSTERSNEK_ROOT"] = Path;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (stdout.Result + stderr).Replace(Path, "<root>", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }

    static string DotNetHost() =>
        Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
