using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>
/// Shareable targets keep each input state's entry (what it recorded and its outputs) in .nuke/cache/entries: switching back to
/// earlier inputs restores them without running; the kept entries stay under --cache-size-limit, least recently used first out;
/// an edited kept entry or an archive reaching outside the outputs is refused.
/// </summary>
[Collection("Engine")]
public sealed class KeptEntryTests : IDisposable
{
    sealed record Made(string Input);

    static readonly Section<Made> MadeSection = new("made", "Make");

    sealed class Maker : PipelineBuild
    {
        [Parameter("what to make")] public string Input { get; set; } = "v1";
        [Parameter("bytes of output")] public int Size { get; set; } = 10;
        public int Runs { get; private set; }
        public AbsolutePath Folder { get; init; } = null!;

        public Target Make => _ => _
            .Inputs(() => [Input])
            .Outputs("artifacts/made")
            .Shareable()
            .Executes(() =>
            {
                Runs++;
                var folder = Folder;
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                folder.CreateDirectory();
                // Incompressible, so the kept archive has the size asked for.
                File.WriteAllBytes(folder / "out.bin", [.. Encoding.UTF8.GetBytes(Input), .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(Size)]);
                Run.Set(MadeSection, new Made(Input));
            });
    }

    readonly string home = Path.Combine(Path.GetTempPath(), "clustersnek-home-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(home, recursive: true); } catch (IOException) { }
    }

    (int Exit, string Output, Maker Build) Run(TempRoot root, params string[] args)
    {
        var build = new Maker { Folder = root.Path / "artifacts" / "made" };
        var (exit, output) = Engine.Run(build, root, new Dictionary<string, string> { ["HOME"] = home }, ["Make", .. args]);
        return (exit, output, build);
    }

    static byte[] Output(TempRoot root) => File.ReadAllBytes(root.Path / "artifacts" / "made" / "out.bin");

    static string CachedFrom(TempRoot root) =>
        root.PipelineJson().RootElement.GetProperty("targets").EnumerateArray().First(t => t.GetProperty("name").GetString() == "Make")
            .GetProperty("cachedFrom").GetString()!;

    [Fact]
    public void Switching_back_to_earlier_inputs_restores_their_outputs_and_record_without_running()
    {
        using var root = new TempRoot();
        Run(root, "--input", "v1");
        var first = Output(root);
        Run(root, "--input", "v2");
        Assert.NotEqual(first, Output(root));

        var (exit, output, build) = Run(root, "--input", "v1");

        Assert.Equal(0, exit);
        Assert.Equal(0, build.Runs);
        Assert.Equal("Cached", root.Status("Make"));
        Assert.Equal("local", CachedFrom(root));
        Assert.Contains("restored the kept entry for these inputs", output);
        Assert.Equal(first, Output(root));
        Assert.Equal("v1", root.PipelineJson().RootElement.GetProperty("made").GetProperty("input").GetString());
    }

    [Fact]
    public void The_kept_entries_stay_under_the_size_limit_least_recently_used_first_out()
    {
        using var root = new TempRoot();
        var entries = root.Path / ".nuke" / "cache" / "entries";
        // 1 MB limit, 400 kB per entry: two fit, a third evicts the one used longest ago.
        Run(root, "--input", "a", "--size", "400000", "--cache-size-limit", "1");
        Run(root, "--input", "b", "--size", "400000", "--cache-size-limit", "1");
        Run(root, "--input", "a", "--size", "400000", "--cache-size-limit", "1"); // a used again: b is now the oldest
        Assert.Equal("Cached", root.Status("Make"));

        var (_, output, _) = Run(root, "--input", "c", "--size", "400000", "--cache-size-limit", "1");

        Assert.Contains("deleted 1 least recently used kept entries to stay under 1 MB", output);
        Assert.True(Directory.EnumerateFiles(entries).Sum(f => new FileInfo(f).Length) <= 1024 * 1024);
        Assert.Equal(0, Run(root, "--input", "a", "--size", "400000", "--cache-size-limit", "1").Build.Runs);
        Assert.Equal(1, Run(root, "--input", "b", "--size", "400000", "--cache-size-limit", "1").Build.Runs);
    }

    [Fact]
    public void An_edited_kept_entry_is_refused_and_deleted_and_the_target_runs()
    {
        using var root = new TempRoot();
        Run(root, "--input", "v1");
        Run(root, "--input", "v2");
        var kept = Directory.EnumerateFiles(root.Path / ".nuke" / "cache" / "entries", "*.entry")
            .Single(f => File.ReadAllText(f).Contains("\"v1\"", StringComparison.Ordinal));
        File.WriteAllText(kept, File.ReadAllText(kept).Replace("\"v1\"", "\"v9\"", StringComparison.Ordinal));

        var (exit, output, build) = Run(root, "--input", "v1");

        Assert.Equal(0, exit);
        Assert.Equal(1, build.Runs);
        Assert.Contains("was changed outside the pipeline (its seal does not verify): deleted", output);
        Assert.Equal("v1", root.PipelineJson().RootElement.GetProperty("made").GetProperty("input").GetString());
    }

    [Fact]
    public void An_archive_with_a_file_outside_the_declared_outputs_is_refused_before_anything_is_written()
    {
        using var root = new TempRoot();
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "artifacts/made/ok.txt") { DataStream = new MemoryStream("ok"u8.ToArray()) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "artifacts/made/../../build.sh") { DataStream = new MemoryStream("evil"u8.ToArray()) });
        }

        var error = Assert.Throws<SharedCacheRefusedException>(() => OutputArchive.Unpack(root.Path, ["artifacts/made"], buffer.ToArray()));

        Assert.Contains("'artifacts/made/../../build.sh', which is not a file inside the target's outputs", error.Message);
        Assert.False(Directory.Exists(root.Path / "artifacts" / "made"));
        Assert.False(File.Exists(root.Path / "build.sh"));
    }

    [Fact]
    public void An_entry_is_applied_only_to_the_target_and_key_it_names_and_with_the_archive_it_names()
    {
        using var root = new TempRoot();
        var cache = new TargetCache(root.Path, root.Path / ".nuke" / "cache", null);
        var parts = new TargetCache.KeyParts([], []);
        root.Write("artifacts/made/out.txt", "made");
        var archive = OutputArchive.Pack(root.Path, ["artifacts/made"])!;
        var entry = cache.SharedEntry("Scan", "k1", new Dictionary<string, JsonNode> { ["made"] = new JsonObject() }, parts, ["artifacts/made"], archive);

        Assert.Contains("it is the entry of Scan k1, not of Sbom k1",
            Assert.Throws<SharedCacheRefusedException>(() => cache.Apply("Sbom", "k1", ["artifacts/made"], new SharedCacheHit(entry, archive, "test"))).Message);
        Assert.Contains("it is the entry of Scan k1, not of Scan k2",
            Assert.Throws<SharedCacheRefusedException>(() => cache.Apply("Scan", "k2", ["artifacts/made"], new SharedCacheHit(entry, archive, "test"))).Message);
        Assert.Contains("its outputs archive is sha256:",
            Assert.Throws<SharedCacheRefusedException>(() => cache.Apply("Scan", "k1", ["artifacts/made"], new SharedCacheHit(entry, "y"u8.ToArray(), "test"))).Message);
        Assert.Contains("its outputs (artifacts/made) are not this target's (artifacts/other)",
            Assert.Throws<SharedCacheRefusedException>(() => cache.Apply("Scan", "k1", ["artifacts/other"], new SharedCacheHit(entry, archive, "test"))).Message);
        File.Delete(root.Path / "artifacts" / "made" / "out.txt");
        Assert.True(cache.Apply("Scan", "k1", ["artifacts/made"], new SharedCacheHit(entry, archive, "test")).ContainsKey("made"));
        Assert.Equal("made", File.ReadAllText(root.Path / "artifacts" / "made" / "out.txt"));
    }
}
