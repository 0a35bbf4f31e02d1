using System.Diagnostics;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// A throwaway root (.nuke/ and the repository's clustersnek.yaml) with its own development key folder outside it, and the compiled
/// build (_build.dll) run in it as its own process: what a user sees is the process's whole output and exit code.
/// </summary>
public sealed class BuildRoot : IDisposable
{
    readonly TempFolder temp = new();

    public BuildRoot()
    {
        (Path / ".nuke").CreateDirectory();
        var manifest = File.ReadAllText(Fixture.RepositoryRoot / "clustersnek.yaml");
        Assert.Contains("developmentKeyDirectory: ~/.clustersnek/keys/dev", manifest);
        File.WriteAllText(Path / "clustersnek.yaml", manifest.Replace("developmentKeyDirectory: ~/.clustersnek/keys/dev",
            $"developmentKeyDirectory: {DevelopmentKeys}", StringComparison.Ordinal));
    }

    public AbsolutePath Path => temp.Path / "root";

    /// <summary>The development key of this root's "user", outside the root (as ~/.clustersnek/keys/dev is).</summary>
    public AbsolutePath DevelopmentKeys => temp.Path / "dev-keys";

    public AbsolutePath Artifacts => Path / "artifacts";

    public (int Exit, string Output) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "_build.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CLUSTERSNEK_", StringComparison.Ordinal) || k.StartsWith("GITHUB_", StringComparison.Ordinal)
                     || k is "CI" or "ACTIONS_ID_TOKEN_REQUEST_URL").ToList())
            info.Environment.Remove(name);
        info.Environment["CLUSTERSNEK_ROOT"] = Path;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + stderr.Result;
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    public (int Exit, string Output) Run(params string[] args) => Run(args, null);

    public void Dispose() => temp.Dispose();
}
