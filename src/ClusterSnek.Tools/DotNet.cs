using System.Xml.Linq;

namespace ClusterSnek.Tools;

/// <summary>Counts of a test run, summed over every test project's xunit XML report.</summary>
public sealed record TestRunResults(int Passed, int Failed, int Skipped, IReadOnlyList<string> FailedTests, IReadOnlyList<string> Reports)
{
    public int Total => Passed + Failed + Skipped;

    /// <summary>Each failed test with its assertion message, so a CI log says why without the XML reports.</summary>
    public IReadOnlyList<FailedTest> Failures { get; init; } = [];

    /// <summary>The closing line CI reads: "N passed, N failed, N skipped".</summary>
    public string ClosingLine => $"{Passed} passed, {Failed} failed, {Skipped} skipped";

    /// <summary>Reads xunit v2/v3 XML reports (the <c>assembly</c> elements carry the counts).</summary>
    public static TestRunResults Read(IEnumerable<string> reportFiles)
    {
        int passed = 0, failed = 0, skipped = 0;
        var failures = new List<string>();
        var messages = new List<FailedTest>();
        var files = reportFiles.ToList();
        foreach (var file in files)
        {
            var doc = XDocument.Load(file);
            foreach (var assembly in doc.Descendants("assembly"))
            {
                passed += (int?)assembly.Attribute("passed") ?? 0;
                failed += ((int?)assembly.Attribute("failed") ?? 0) + ((int?)assembly.Attribute("errors") ?? 0);
                skipped += (int?)assembly.Attribute("skipped") ?? 0;
            }
            foreach (var test in doc.Descendants("test").Where(t => (string?)t.Attribute("result") == "Fail"))
            {
                failures.Add((string?)test.Attribute("name") ?? "?");
                messages.Add(new FailedTest((string?)test.Attribute("name") ?? "?", ((string?)test.Element("failure")?.Element("message") ?? "").Trim()));
            }
        }
        return new TestRunResults(passed, failed, skipped, failures, files) { Failures = messages };
    }
}

public sealed record FailedTest(string Name, string Message);

/// <summary>Typed dotnet CLI calls (the SDK the build itself runs on).</summary>
public sealed class DotNet(ResolvedTool tool) : ToolWrapper(tool)
{
    public static ResolvedTool Resolve()
    {
        var path = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Toolchain.FindOnPath("dotnet") ?? throw new ToolUnavailableException("dotnet not found; install the .NET 10 SDK.");
        var pin = new ToolPin("dotnet", Environment.Version.ToString(), new DebianSource("dotnet-sdk-10.0"), null, ["--version"]);
        return new ResolvedTool(pin, Environment.Version.ToString(), path, "PATH");
    }

    public Task<ToolResult> RestoreAsync(string solution, bool lockedMode, CancellationToken cancellation = default) =>
        RunAsync(["restore", solution, "--nologo", .. lockedMode ? new[] { "--locked-mode" } : []], null, cancellation);

    public Task<ToolResult> BuildAsync(string solution, string configuration, CancellationToken cancellation = default) =>
        RunAsync(["build", solution, "--nologo", "--no-restore", "-c", configuration, "-clp:ErrorsOnly;NoSummary"], null, cancellation);

    /// <summary>
    /// Runs the tests of a solution on Microsoft.Testing.Platform; exit 2 (failures) and 8 (nothing ran in a project) are
    /// results, not errors. Each project names its own xunit XML report (tests/Directory.Build.props).
    /// </summary>
    public Task<ToolResult> TestAsync(string solution, string configuration, string resultsDirectory, IEnumerable<string> extraArguments, CancellationToken cancellation = default) =>
        RunAsync(["test", "--solution", solution, "--no-build", "-c", configuration, "--results-directory", resultsDirectory,
            "--ignore-exit-code", "8", .. extraArguments],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
}
