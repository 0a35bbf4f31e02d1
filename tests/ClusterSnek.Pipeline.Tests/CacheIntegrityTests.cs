using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>Cache entries are sealed with a key outside the checkout; a replay can be checked against the world before it counts.</summary>
[Collection("Engine")]
public sealed class CacheIntegrityTests : IDisposable
{
    sealed record Produced(string Digest);

    static readonly Section<Produced> ProducedSection = new("produced", "Produce");

    sealed class Sealed : PipelineBuild
    {
        public int Runs { get; private set; }
        public string? Refusal { get; set; }
        public string? SeenAtCheck { get; private set; }
        public Target Produce => _ => _
            .Inputs(() => ["same"])
            .ChecksReplay(_ =>
            {
                SeenAtCheck = Run.Get(ProducedSection)?.Digest;
                return Task.FromResult(Refusal);
            })
            .Executes(() =>
            {
                Runs++;
                Run.Set(ProducedSection, new Produced("sha256:built"));
            });
    }

    readonly string home = Path.Combine(Path.GetTempPath(), "clustersnek-home-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(home, recursive: true); } catch (IOException) { }
    }

    (int Exit, string Output, Sealed Build) RunOnce(TempRoot root, string? refusal = null, params string[] args)
    {
        var build = new Sealed { Refusal = refusal };
        var (exit, output) = Engine.Run(build, root, new Dictionary<string, string> { ["HOME"] = home }, ["Produce", .. args]);
        return (exit, output, build);
    }

    static AbsolutePath EntryOf(TempRoot root) => root.Path / ".nuke" / "cache" / "Produce.json";

    [Fact]
    public void The_first_run_makes_a_key_readable_only_by_its_owner_outside_the_checkout_and_the_next_run_replays()
    {
        using var root = new TempRoot();
        RunOnce(root);

        var key = Path.Combine(home, ".clustersnek", "cache-key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.StartsWith("hmac-sha256:", JsonNode.Parse(File.ReadAllText(EntryOf(root)))!["mac"]!.GetValue<string>());
        var second = RunOnce(root);
        Assert.Equal(0, second.Build.Runs);
        Assert.Equal("Cached", root.Status("Produce"));
    }

    [Fact]
    public void An_entry_edited_outside_the_pipeline_is_refused_in_one_line_and_the_target_runs()
    {
        using var root = new TempRoot();
        RunOnce(root);
        var file = EntryOf(root);
        File.WriteAllText(file, File.ReadAllText(file).Replace("sha256:built", "sha256:forged", StringComparison.Ordinal));

        var (exit, output, build) = RunOnce(root);

        Assert.Equal(0, exit);
        Assert.Equal(1, build.Runs);
        Assert.Contains("cache entry .nuke/cache/Produce.json was modified outside the pipeline: running Produce", output);
        Assert.Equal("sha256:built", root.PipelineJson().RootElement.GetProperty("produced").GetProperty("digest").GetString());
        Assert.Equal(0, RunOnce(root).Build.Runs); // re-sealed by the run
    }

    [Fact]
    public void An_entry_sealed_under_another_key_is_refused()
    {
        using var root = new TempRoot();
        RunOnce(root, null, "--cache-key", "one-key");

        var (_, output, build) = RunOnce(root, null, "--cache-key", "another-key");

        Assert.Equal(1, build.Runs);
        Assert.Contains("was modified outside the pipeline: running Produce", output);
    }

    [Fact]
    public void An_unsealed_entry_is_refused()
    {
        using var root = new TempRoot();
        RunOnce(root);
        var file = EntryOf(root);
        File.WriteAllText(file, JsonNode.Parse(File.ReadAllText(file))!["entry"]!.ToJsonString());

        var (_, output, build) = RunOnce(root);

        Assert.Equal(1, build.Runs);
        Assert.Contains("cache entry .nuke/cache/Produce.json is not sealed", output);
    }

    [Fact]
    public void A_replay_its_check_refuses_runs_the_target_and_says_why()
    {
        using var root = new TempRoot();
        RunOnce(root);

        var (exit, output, build) = RunOnce(root, "frontend: tag t now points at sha256:other");

        Assert.Equal(0, exit);
        Assert.Equal("sha256:built", build.SeenAtCheck); // the check saw the replayed record
        Assert.Equal(1, build.Runs);
        Assert.Contains("cached Produce refused: frontend: tag t now points at sha256:other: running Produce", output);
        Assert.Equal("Succeeded", root.Status("Produce"));
    }
}
