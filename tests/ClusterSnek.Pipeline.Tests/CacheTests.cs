namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class CacheTests
{
    sealed class Cached : PipelineBuild
    {
        [Parameter("flavour")] public string Flavour { get; set; } = "plain";
        public int Runs { get; private set; }
        public Target Produce => _ => _
            .Inputs("src/**/*.txt")
            .Inputs(() => [Flavour])
            .Outputs("out/result.txt")
            .Executes(() =>
            {
                Runs++;
                Directory.CreateDirectory(RootOf(this) / "out");
                File.WriteAllText(RootOf(this) / "out" / "result.txt", "done");
                Run.Set("produced", new { flavour = Flavour });
            });
        public AbsolutePath? Root { get; set; }
        static AbsolutePath RootOf(Cached c) => c.Root!;
    }

    static (int Exit, Cached Build) RunOnce(TempRoot root, params string[] args)
    {
        var build = new Cached { Root = root.Path };
        var (exit, _) = Engine.Run(build, root, ["Produce", .. args]);
        return (exit, build);
    }

    [Fact]
    public void A_target_whose_inputs_did_not_change_is_cached_and_its_results_restored()
    {
        using var root = new TempRoot();
        root.Write("src/a.txt", "one");
        Assert.Equal(1, RunOnce(root).Build.Runs);
        var second = RunOnce(root);
        Assert.Equal(0, second.Exit);
        Assert.Equal(0, second.Build.Runs);
        Assert.Equal("Cached", root.Status("Produce"));
        Assert.Equal("plain", root.PipelineJson().RootElement.GetProperty("produced").GetProperty("flavour").GetString());
    }

    [Fact]
    public void Changing_an_input_file_runs_the_target_again()
    {
        using var root = new TempRoot();
        root.Write("src/a.txt", "one");
        RunOnce(root);
        root.Write("src/nested/b.txt", "new file");
        Assert.Equal(1, RunOnce(root).Build.Runs);
        File.WriteAllText(root.Path / "src" / "a.txt", "two");
        Assert.Equal(1, RunOnce(root).Build.Runs);
        Assert.Equal(0, RunOnce(root).Build.Runs);
    }

    [Fact]
    public void Changing_an_input_value_runs_the_target_again()
    {
        using var root = new TempRoot();
        root.Write("src/a.txt", "one");
        RunOnce(root);
        Assert.Equal(1, RunOnce(root, "--flavour", "spicy").Build.Runs);
    }

    [Fact]
    public void A_missing_output_or_no_cache_runs_the_target_again()
    {
        using var root = new TempRoot();
        root.Write("src/a.txt", "one");
        RunOnce(root);
        File.Delete(root.Path / "out" / "result.txt");
        Assert.Equal(1, RunOnce(root).Build.Runs);
        Assert.Equal(1, RunOnce(root, "--no-cache").Build.Runs);
    }
}

[Collection("Engine")]
public sealed class RecordPatchTests
{
    sealed class Stages : PipelineBuild
    {
        public int BuildRuns { get; private set; }
        public Target Images => _ => _.Inputs(() => ["v1"]).Executes(() =>
        {
            BuildRuns++;
            Run.Set("images", new[] { new { service = "backend", digest = "sha256:aa" }, new { service = "frontend", digest = "sha256:bb" } });
        });
        public Target Scan => _ => _.DependsOn(Images).Inputs(() => ["v1"]).Executes(() =>
            Run.Patch("images", "service", "frontend", new { scan = new { critical = 0 } }));
    }

    [Fact]
    public void Later_targets_patch_array_entries_and_cached_runs_replay_the_patches_in_order()
    {
        using var root = new TempRoot();
        Engine.Run(new Stages(), root, "Scan");
        var again = new Stages();
        Engine.Run(again, root, "Scan");
        Assert.Equal(0, again.BuildRuns);
        var images = root.PipelineJson().RootElement.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        Assert.Equal("sha256:bb", images[1].GetProperty("digest").GetString());
        Assert.Equal(0, images[1].GetProperty("scan").GetProperty("critical").GetInt32());
        Assert.False(images[0].TryGetProperty("scan", out _));
    }
}
