using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

partial class Build
{
    [Parameter("Extra arguments for the test run, e.g. --filter-not-trait Category=Integration")]
    public string[]? TestArguments { get; set; }

    Target Test => _ => _
        .Description("Install the pinned tools, run every test project, print 'N passed, N failed, N skipped'")
        .DependsOn(Compile)
        .Executes(async ct =>
        {
            await Toolchain.EnsureAllAsync(ct);
            var results = await TestRunner.RunAsync(new DotNet(DotNet.Resolve()), RootDirectory, Solution, Configuration.ToString(), TestArguments ?? [], ct);
            Run.Set(Sections.Tests, new TestRecord(results.Passed, results.Failed, results.Skipped, results.FailedTests));
            foreach (var failure in results.Failures)
                Log.Error("FAILED {Test}: {Message}", failure.Name, failure.Message.Length > 2000 ? failure.Message[..2000] + " …" : failure.Message);
            Run.Conclude(results.ClosingLine);
            if (results.Failed > 0) throw new InvalidOperationException($"{results.Failed} test(s) failed: {string.Join(", ", results.FailedTests.Take(5))}");
            if (results.Total == 0) throw new InvalidOperationException("No test ran: the test projects found no tests.");
        });
}
