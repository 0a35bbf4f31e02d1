namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class ParallelTests
{
    // Both branches wait at a barrier: they can only pass it if they run at the same time.
    sealed class Diamond : PipelineBuild
    {
        public Journal Journal { get; } = new();
        public Barrier Barrier { get; } = new(2);
        public bool Met { get; private set; } = true;
        void Meet() { if (!Barrier.SignalAndWait(TimeSpan.FromSeconds(5))) Met = false; }
        public Target Root => _ => _.Executes(Journal.Step("Root"));
        public Target Left => _ => _.DependsOn(Root).Executes(Journal.Step("Left", Meet));
        public Target Right => _ => _.DependsOn(Root).Executes(Journal.Step("Right", Meet));
        public Target Join => _ => _.DependsOn(Left, Right).Executes(Journal.Step("Join"));
    }

    [Fact]
    public void Independent_targets_run_at_the_same_time()
    {
        using var root = new TempRoot();
        var build = new Diamond { MaxParallel = 2 };
        var (exit, _) = Engine.Run(build, root, "Join");
        Assert.Equal(0, exit);
        Assert.True(build.Met);
        var (left, right) = (build.Journal.Times["Left"], build.Journal.Times["Right"]);
        Assert.True(left.Start < right.End && right.Start < left.End, "Left and Right intervals overlap");
        Assert.True(build.Journal.Times["Root"].End <= left.Start);
        Assert.True(right.End <= build.Journal.Times["Join"].Start);
    }

    [Fact]
    public void Max_parallel_1_runs_one_target_at_a_time()
    {
        using var root = new TempRoot();
        var build = new Diamond();
        build.Barrier.RemoveParticipant(); // a single participant passes alone
        var (exit, _) = Engine.Run(build, root, "Join", "--max-parallel", "1");
        Assert.Equal(0, exit);
        var (left, right) = (build.Journal.Times["Left"], build.Journal.Times["Right"]);
        Assert.True(left.End <= right.Start || right.End <= left.Start, "no overlap");
    }

    sealed class Chatty : PipelineBuild
    {
        public Barrier Barrier { get; } = new(2);
        void Talk(string name)
        {
            for (var i = 0; i < 5; i++)
            {
                Serilog.Log.Information("{Name} line {I}", name, i);
                if (i == 2) Barrier.SignalAndWait(TimeSpan.FromSeconds(5));
            }
        }
        public Target One => _ => _.Executes(() => Talk("one"));
        public Target Two => _ => _.Executes(() => Talk("two"));
    }

    [Fact]
    public void Output_of_parallel_targets_is_kept_together_and_prefixed()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Chatty { MaxParallel = 2 }, root, "One", "Two");
        Assert.Equal(0, exit);
        var lines = output.Split('\n').Where(l => l.Contains(" line ")).Select(l => l.Trim()).ToList();
        Assert.Equal(10, lines.Count);
        var firstTarget = lines[0].StartsWith("[One]", StringComparison.Ordinal) ? "[One]" : "[Two]";
        Assert.All(lines.Take(5), l => Assert.StartsWith(firstTarget, l));
        Assert.All(lines.Skip(5), l => Assert.DoesNotContain(firstTarget, l));
    }
}
