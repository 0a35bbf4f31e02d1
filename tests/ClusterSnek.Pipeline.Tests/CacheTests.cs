namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class CacheTests
{
    sealed record Produced(string Flavour);

    static readonly Section<Produced> ProducedSection = new("produced", "Produce");

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
                Run.Set(ProducedSection, new Produced(Flavour));
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

/// <summary>The summary says why a target ran: no entry yet, which file or which named input value changed, which output is gone.</summary>
[Collection("Engine")]
public sealed class CacheMissReasonTests
{
    sealed class Keyed : PipelineBuild
    {
        [Parameter("digests, name=value")] public string[] Digests { get; set; } = ["backend=sha256:1", "frontend=sha256:2"];
        public AbsolutePath? Root { get; set; }
        public Target Produce => _ => _
            .Inputs("src/**/*.txt")
            .Inputs(() => Pinned())
            .Outputs("out/result.txt")
            .Executes(() =>
            {
                Directory.CreateDirectory(Root! / "out");
                File.WriteAllText(Root! / "out" / "result.txt", "done");
                Run.Note("produced 1 of 2");
            });
        IEnumerable<string?> Pinned() => Digests;
    }

    static string Reason(TempRoot root, params string[] args)
    {
        Engine.Run(new Keyed { Root = root.Path }, root, ["Produce", .. args]);
        return root.PipelineJson().RootElement.GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == "Produce").GetProperty("reason").GetString()!;
    }

    [Fact]
    public void Each_miss_names_its_cause_and_the_target_adds_what_it_did()
    {
        using var root = new TempRoot();
        root.Write("src/a.txt", "one");
        Assert.Equal("no cache entry yet; produced 1 of 2", Reason(root));
        Assert.Equal("cached locally: inputs unchanged", Reason(root));

        File.WriteAllText(root.Path / "src" / "a.txt", "two");
        root.Write("src/b.txt", "new");
        Assert.Equal("changed: src/a.txt, src/b.txt (new); produced 1 of 2", Reason(root));

        Assert.Equal("changed: Pinned() (backend); produced 1 of 2", Reason(root, "--digests", "backend=sha256:9", "frontend=sha256:2"));

        File.Delete(root.Path / "out" / "result.txt");
        Assert.Equal("output out/result.txt is gone; produced 1 of 2", Reason(root, "--digests", "backend=sha256:9", "frontend=sha256:2"));

        File.Delete(root.Path / "src" / "b.txt");
        Assert.StartsWith("changed: src/b.txt (deleted)", Reason(root, "--digests", "backend=sha256:9", "frontend=sha256:2"));
    }
}
