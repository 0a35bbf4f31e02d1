using System.Diagnostics;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>One run per checkout: the first run is the dummy build in its own process, holding the lock until released.</summary>
[Collection("Engine")]
public sealed class RunLockTests
{
    // How a waiting or refused run names the dummy holding the lock, as a pattern.
    static string Named(DummyRun first) => $@"pid {first.Pid}, targets Hold, since (\d{{4}}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC";

    sealed class Second : PipelineBuild
    {
        public Journal Journal { get; } = new();
        public Target Quick => _ => _.Executes(Journal.Step("Quick"));
    }

    static async Task<DummyRun> HoldAsync(TempRoot root)
    {
        var first = DummyRun.Start(root, "Hold");
        await first.LineStartingWithAsync("holding the checkout");
        return first;
    }

    [Fact]
    public async Task A_second_run_waits_with_one_line_naming_the_first_and_runs_when_it_ends()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);

        using var second = DummyRun.Start(root, "Quick");
        var waiting = await second.LineStartingWithAsync("Waiting");

        Assert.Matches($@"^Waiting for the run in this checkout to finish: {Named(first)} \(--no-wait to refuse instead\)$", waiting);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.False(second.HasExited);
        Assert.DoesNotContain("quick ran", second.Output);

        root.Write("release", "");
        Assert.Equal(0, await first.ExitCodeAsync());
        Assert.Equal(0, await second.ExitCodeAsync());
        Assert.Contains("quick ran", second.Output);
        Assert.Single(second.Output.Split('\n'), l => l.StartsWith("Waiting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_wait_a_second_run_refuses_at_once_with_exit_2_and_one_line_naming_the_first()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);
        var second = new Second();

        var (exit, output) = Engine.Run(second, root, "Quick", "--no-wait");

        Assert.Equal(2, exit);
        Assert.Matches($@"^error: another run is using this checkout: {Named(first)} \(--no-wait: not waiting for it\)\n$", output);
        Assert.Empty(second.Journal.Order);
    }

    [Fact]
    public async Task A_lock_left_by_a_killed_run_is_taken_over_without_waiting()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);
        first.Kill();
        await first.ExitCodeAsync();
        Assert.True(File.Exists(root.Path / ".nuke" / "temp" / "run.holder.json"), "the killed run could not remove its description");
        var second = new Second();

        var (exit, output) = Engine.Run(second, root, "Quick");

        Assert.Equal(0, exit);
        var since = @"since (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC";
        Assert.Matches($@"^Taking over the lock of pid {first.Pid}, which is no longer running \(targets Hold, {since}\)\n", output);
        Assert.DoesNotContain("Waiting", output);
        Assert.Equal(["Quick"], second.Journal.Order.ToArray());
    }

    [Fact]
    public async Task Cancelling_a_waiting_run_ends_the_wait_with_exit_130_and_runs_nothing()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);
        using var cancel = new CancellationTokenSource();
        var console = new StringWriter();
        var second = new Second();

        var run = Task.Run(
            () => PipelineBuild.Execute(second, ["Quick"], TextWriter.Synchronized(console), _ => null, null, root.Path, cancel.Token),
            TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        while (!console.ToString().Contains("Waiting", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(20, TestContext.Current.CancellationToken);
        cancel.Cancel();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(130, exit);
        Assert.EndsWith("Cancelled while waiting for the other run in this checkout; nothing ran.\n", console.ToString());
        Assert.Empty(second.Journal.Order);
    }

    [Fact]
    public async Task A_lock_timeout_refuses_with_exit_2_once_the_first_run_has_outlasted_it()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);

        var (exit, output) = Engine.Run(new Second(), root, "Quick", "--lock-timeout", "1");

        Assert.Equal(2, exit);
        Assert.Matches($@"\nerror: the run in this checkout did not finish within 1 s: {Named(first)} \(--lock-timeout\)\n$", output);
    }

    [Fact]
    public async Task Help_and_plan_do_not_wait_for_a_run_holding_the_checkout()
    {
        using var root = new TempRoot();
        using var first = await HoldAsync(root);

        Assert.Equal(0, Engine.Run(new Second(), root, "--help").ExitCode);
        Assert.Equal(0, Engine.Run(new Second(), root, "Quick", "--plan").ExitCode);
    }
}
