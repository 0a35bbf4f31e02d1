using System.Diagnostics;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>The wait-until-ready loop the verifiers, the registry start and the smoke test share.</summary>
public sealed class ReadinessTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_wait_ends_at_the_first_final_look()
    {
        var looks = 0;
        var result = await Readiness.WaitAsync(_ => Task.FromResult(++looks), n => n == 3, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), Ct);
        Assert.Equal((3, 3), (result, looks));
    }

    [Fact]
    public async Task Past_the_deadline_the_last_look_is_returned_for_the_caller_to_judge()
    {
        var looks = 0;
        var clock = Stopwatch.StartNew();
        var result = await Readiness.WaitAsync(_ => Task.FromResult(++looks), _ => false, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50), Ct);
        Assert.Equal(looks, result);
        Assert.InRange(looks, 2, 8);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_look_that_throws_ends_the_wait_with_its_exception()
    {
        var looks = 0;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Readiness.WaitAsync<int>(
            _ => { looks++; throw new InvalidOperationException("API server said no"); }, _ => false, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), Ct));
        Assert.Equal(("API server said no", 1), (e.Message, looks));
    }

    [Fact]
    public async Task Cancelling_stops_the_wait()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Readiness.WaitAsync(_ => Task.FromResult(false), ready => ready, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), cancel.Token));
    }
}
