namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class FailureTests
{
    sealed class Failing : PipelineBuild
    {
        public Journal Journal { get; } = new();
        public Target Broken => _ => _.Executes(() => throw new InvalidOperationException("disk on fire"));
        public Target Downstream => _ => _.DependsOn(Broken).Executes(Journal.Step("Downstream"));
        public Target Independent => _ => _.After(Broken).Executes(Journal.Step("Independent"));
        public Target Tolerant => _ => _.ProceedAfterFailure().Executes(() => throw new InvalidOperationException("tolerated"));
        public Target Report => _ => _.AlwaysLast().Executes(Journal.Step("Report"));
        public Target Cleanup => _ => _.DependsOn(Broken).AssuredAfterFailure().Executes(Journal.Step("Cleanup"));
    }

    [Fact]
    public void A_failure_stops_dependents_and_the_run_exits_1_with_the_reason()
    {
        using var root = new TempRoot();
        var build = new Failing { MaxParallel = 1 };
        var (exit, output) = Engine.Run(build, root, "Downstream", "Independent");
        Assert.Equal(1, exit);
        Assert.DoesNotContain("Downstream", build.Journal.Order);
        Assert.DoesNotContain("Independent", build.Journal.Order);
        Assert.Equal("Failed", root.Status("Broken"));
        Assert.Equal("NotRun", root.Status("Downstream"));
        Assert.Contains("disk on fire", output);
        Assert.Contains("Build failed: Broken: disk on fire (details: artifacts/logs/pipeline.log)", output);
    }

    [Fact]
    public void AlwaysLast_and_AssuredAfterFailure_targets_run_even_after_a_failure()
    {
        using var root = new TempRoot();
        var build = new Failing { MaxParallel = 1 };
        Engine.Run(build, root, "Downstream", "Cleanup");
        Assert.Contains("Cleanup", build.Journal.Order);
        Assert.Equal("Report", build.Journal.Order.Last());
        Assert.Equal("Succeeded", root.Status("Report"));
    }

    [Fact]
    public void ProceedAfterFailure_lets_the_other_targets_go_on()
    {
        using var root = new TempRoot();
        var build = new Failing { MaxParallel = 1 };
        var (exit, _) = Engine.Run(build, root, "Tolerant", "Independent");
        Assert.Equal(1, exit);
        Assert.Contains("Independent", build.Journal.Order);
        Assert.Equal("Failed", root.Status("Tolerant"));
    }

    sealed class Conditional : PipelineBuild
    {
        [Parameter("toggle")] public bool Enabled { get; set; }
        [Parameter("a required value")] public string? Token { get; set; }
        public Journal Journal { get; } = new();
        public Target Gated => _ => _.OnlyWhenDynamic(() => Enabled).Executes(Journal.Step("Gated"));
        public Target Needy => _ => _.Requires(() => Token).Executes(Journal.Step("Needy"));
        public Target First => _ => _.Executes(Journal.Step("First"));
    }

    [Fact]
    public void A_false_condition_skips_the_target_and_shows_the_condition_as_reason()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Conditional(), root, "Gated");
        Assert.Equal(0, exit);
        Assert.Equal("Skipped", root.Status("Gated"));
        Assert.Contains("condition false: () => Enabled", output);
    }

    [Fact]
    public void A_missing_required_parameter_is_reported_before_any_target_runs()
    {
        using var root = new TempRoot();
        var build = new Conditional();
        var (exit, output) = Engine.Run(build, root, "First", "Needy");
        Assert.Equal(2, exit);
        Assert.Contains("Needy needs parameter --token: pass --token <value> or set CLUSTERSNEK_TOKEN", output);
        Assert.Empty(build.Journal.Order);
    }
}

[Collection("Engine")]
public sealed class CancellationTests
{
    sealed class Slow : PipelineBuild
    {
        public Journal Journal { get; } = new();
        public TaskCompletionSource Started { get; } = new();
        public bool SawCancellation { get; private set; }
        public Target Long => _ => _.Executes(async ct =>
        {
            Started.SetResult();
            try { await Task.Delay(TimeSpan.FromMinutes(1), ct); }
            catch (OperationCanceledException) { SawCancellation = true; throw; }
        });
        public Target Next => _ => _.DependsOn(Long).Executes(Journal.Step("Next"));
        public Target Report => _ => _.AlwaysLast().Executes(Journal.Step("Report"));
    }

    [Fact]
    public async Task Cancelling_stops_the_running_target_skips_the_rest_still_reports_and_exits_130()
    {
        using var root = new TempRoot();
        using var cancel = new CancellationTokenSource();
        var build = new Slow();
        var run = Task.Run(() => PipelineBuild.Execute(build, ["Next"], TextWriter.Null, _ => null, null, root.Path, cancel.Token));
        await build.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        cancel.Cancel();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(130, exit);
        Assert.True(build.SawCancellation);
        Assert.Equal(["Report"], build.Journal.Order.ToArray());
        Assert.Equal("NotRun", root.Status("Next"));
    }
}
