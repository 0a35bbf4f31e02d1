using ClusterSnek.Pipeline;

namespace ClusterSnek.Tools;

/// <summary>Runs the solution's tests and gathers each project's xunit XML into artifacts/test-results/.</summary>
public static class TestRunner
{
    const string ReportName = "clustersnek.xunit.xml";

    public static async Task<TestRunResults> RunAsync(DotNet dotnet, AbsolutePath root, AbsolutePath solution, string configuration,
        IEnumerable<string> extraArguments, CancellationToken cancellation)
    {
        var tests = root / "tests";
        foreach (var stale in Glob.Files(root, [$"tests/**/TestResults/{ReportName}"])) File.Delete(root / stale);
        var result = await dotnet.TestAsync(solution, configuration, ReportName, extraArguments, cancellation);
        var reports = Glob.Files(root, [$"tests/**/TestResults/{ReportName}"]).Select(r => (string)(root / r)).ToList();
        if (result.ExitCode is not (0 or 2) && reports.Count == 0)
            throw new ToolFailedException(result, $"dotnet test failed (exit {result.ExitCode}) before running tests: {result.LastErrorLine}");

        var collected = (root / "artifacts" / "test-results").CreateDirectory();
        var copies = new List<string>();
        foreach (var report in reports)
        {
            var project = Path.GetRelativePath(tests, report).Split(Path.DirectorySeparatorChar)[0];
            var copy = collected / $"{project}.xunit.xml";
            File.Copy(report, copy, overwrite: true);
            copies.Add(copy);
        }
        var results = TestRunResults.Read(copies);
        if (result.ExitCode is not (0 or 2 or 8))
            throw new ToolFailedException(result, $"dotnet test exited {result.ExitCode}: {result.LastErrorLine}");
        return results;
    }
}
