using ClusterSnek.Pipeline;

namespace ClusterSnek.Tools;

/// <summary>Runs the solution's tests; each project's xunit XML lands in artifacts/test-results/ and is summed.</summary>
public static class TestRunner
{
    public static async Task<TestRunResults> RunAsync(DotNet dotnet, AbsolutePath root, AbsolutePath solution, string configuration,
        IEnumerable<string> extraArguments, CancellationToken cancellation)
    {
        var results = root / "artifacts" / "test-results";
        if (Directory.Exists(results)) Directory.Delete(results, recursive: true);
        results.CreateDirectory();
        var run = await dotnet.TestAsync(solution, configuration, results, extraArguments, cancellation);
        var reports = Directory.GetFiles(results, "*.xunit.xml").Order(StringComparer.Ordinal).ToList();
        if (run.ExitCode is not (0 or 2) || reports.Count == 0)
            throw new ToolFailedException(run, $"dotnet test failed (exit {run.ExitCode}) without test results: {run.LastErrorLine}");
        return TestRunResults.Read(reports);
    }
}
