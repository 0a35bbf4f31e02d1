using ClusterSnek.Pipeline;

/// <summary>A build run as its own process by the engine tests (CLUSTERSNEK_ROOT names its checkout), e.g. to hold the run lock.</summary>
sealed class DummyBuild : PipelineBuild
{
    public static int Main(string[] args) => Execute<DummyBuild>(args);

    // Holds the run until the test creates the file 'release' in the checkout; gives up after a minute so it never outlives a test.
    public Target Hold => _ => _.Executes(async ct =>
    {
        Console.WriteLine("holding the checkout");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        while (!File.Exists(RootDirectory / "release")) await Task.Delay(25, limit.Token);
    });

    public Target Quick => _ => _.Executes(() => Console.WriteLine("quick ran"));
}
