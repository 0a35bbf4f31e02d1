namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class OrderingTests
{
    sealed class Chain : PipelineBuild
    {
        public Journal Journal { get; } = new();
        public Target A => _ => _.Executes(Journal.Step("A"));
        public Target B => _ => _.DependsOn(A).Executes(Journal.Step("B"));
        public Target C => _ => _.DependsOn(B).Executes(Journal.Step("C"));
        public Target Early => _ => _.Before(A).Executes(Journal.Step("Early"));
        public Target Late => _ => _.After(C).Executes(Journal.Step("Late"));
        public Target Notify => _ => _.TriggeredBy(B).Executes(Journal.Step("Notify"));
        public Target Publish => _ => _.Triggers(Late).Executes(Journal.Step("Publish"));
    }

    [Fact]
    public void Dependencies_run_before_the_targets_that_depend_on_them()
    {
        using var root = new TempRoot();
        var build = new Chain { MaxParallel = 1 };
        var (exit, _) = Engine.Run(build, root, "C");
        Assert.Equal(0, exit);
        Assert.True(build.Journal.IndexOf("A") < build.Journal.IndexOf("B"));
        Assert.True(build.Journal.IndexOf("B") < build.Journal.IndexOf("C"));
    }

    [Fact]
    public void After_and_Before_order_targets_without_pulling_them_into_the_run()
    {
        using var root = new TempRoot();
        var alone = new Chain();
        Engine.Run(alone, root, "C");
        Assert.DoesNotContain("Late", alone.Journal.Order);
        Assert.DoesNotContain("Early", alone.Journal.Order);

        var both = new Chain();
        Engine.Run(both, root, "Late", "C", "Early");
        Assert.True(both.Journal.IndexOf("C") < both.Journal.IndexOf("Late"));
        Assert.True(both.Journal.IndexOf("Early") < both.Journal.IndexOf("A"));
    }

    [Fact]
    public void Triggers_and_TriggeredBy_add_the_triggered_target_after_the_trigger()
    {
        using var root = new TempRoot();
        var build = new Chain();
        Engine.Run(build, root, "B", "Publish");
        Assert.True(build.Journal.IndexOf("B") < build.Journal.IndexOf("Notify"));
        Assert.True(build.Journal.IndexOf("Publish") < build.Journal.IndexOf("Late"));
    }

    [Fact]
    public void Skip_leaves_out_the_target_and_the_dependencies_only_it_needed()
    {
        using var root = new TempRoot();
        var build = new Chain();
        var (exit, _) = Engine.Run(build, root, "C", "--skip", "B");
        Assert.Equal(0, exit);
        Assert.Equal(["C"], build.Journal.Order.ToArray());
        Assert.Equal("Skipped", root.Status("B"));
    }

    [Fact]
    public void Skip_without_names_runs_only_the_named_targets()
    {
        using var root = new TempRoot();
        var build = new Chain();
        Engine.Run(build, root, "C", "--skip");
        Assert.Equal(["C"], build.Journal.Order.ToArray());
    }

    sealed class Cyclic : PipelineBuild
    {
        public Target X => _ => _.DependsOn(Y).Executes(() => throw new InvalidOperationException("must not run"));
        public Target Y => _ => _.DependsOn(Z).Executes(() => { });
        public Target Z => _ => _.After(X).Executes(() => { });
    }

    [Fact]
    public void A_cycle_is_reported_with_its_path_before_anything_runs()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Cyclic(), root, "X");
        Assert.Equal(2, exit);
        Assert.Contains("Target cycle:", output);
        Assert.Contains("X -> Y -> Z -> X", output);
        Assert.False(File.Exists(root.Path / "artifacts" / "pipeline.json"));
    }

    [Fact]
    public void An_unknown_target_is_named_with_a_suggestion_and_exit_code_2()
    {
        using var root = new TempRoot();
        var build = new Chain();
        var (exit, output) = Engine.Run(build, root, "Publsh");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown target 'Publsh'. Did you mean Publish?", output);
        Assert.Empty(build.Journal.Order);
    }
}
