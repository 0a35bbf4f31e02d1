using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// A real docker-registry holding small images in staging (what BuildImages pushes), and the project's pinned trivy, shared by
/// the tamper tests that run the compiled build as a process: <c>Scan</c>/<c>Sign</c> with BuildImages skipped read the images
/// from the carried record, as a partial run does.
/// </summary>
public sealed class TamperFixture : IAsyncLifetime
{
    public AbsolutePath Directory { get; } = new(System.IO.Directory.CreateTempSubdirectory("clustersnek-tamper-").FullName);
    public AbsolutePath RepositoryRoot { get; } = PipelineBuild.RootDirectory;
    EmbeddedRegistry registry = null!;
    public RegistryEndpoint Endpoint { get; private set; } = null!;
    public RegistryClient Client { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var toolchain = Toolchain.ForRoot(RepositoryRoot);
        await toolchain.ResolveAsync(ToolPins.Trivy); // installed once in the repository's .nuke/tools; each throwaway root links it
        registry = new EmbeddedRegistry(Directory / "registry");
        Endpoint = await registry.EnsureRunningAsync(await new ImageTools(toolchain, Directory).RegistryAsync(default), LoopbackPort.Free(), default);
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        registry.Stop();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    /// <summary>A one-layer image of the files, labelled as the service, pushed to &lt;registry&gt;/clustersnek/staging/&lt;service&gt;:tag.</summary>
    public async Task<ImageEntry> StageAsync(string service, string tag, IReadOnlyDictionary<string, string> files)
    {
        var staging = ImageReference.Parse(Endpoint.Repository($"clustersnek/staging/{service}"));
        var tar = new MemoryStream();
        await using (var gzip = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
            foreach (var (path, text) in files)
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        var layer = tar.ToArray();
        using var raw = new MemoryStream();
        using (var unzip = new GZipStream(new MemoryStream(layer), CompressionMode.Decompress)) unzip.CopyTo(raw);
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64", ["os"] = "linux",
            ["config"] = new JsonObject { ["Labels"] = new JsonObject { [ImageLabels.Title] = service, [ImageLabels.Revision] = tag } },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(Digest.Compute(raw.ToArray()).Value) },
        }.ToJsonString());
        var c = await Client.PushBlobAsync(staging.Registry, staging.Repository, config, MediaTypes.OciConfig);
        var l = await Client.PushBlobAsync(staging.Registry, staging.Repository, layer, MediaTypes.OciLayerGzip);
        var manifest = new ImageManifest(2, MediaTypes.OciManifest, c, [l]).ToBytes();
        var digest = await Client.PutManifestAsync(staging.Registry, staging.Repository, tag, manifest, MediaTypes.OciManifest);
        return new ImageEntry(service, Endpoint.Repository($"clustersnek/{service}"), tag, digest, manifest.Length, null, 0, "dotnet", null, tag, staging.Name);
    }

    /// <summary>Puts the image's manifest (blobs mounted) under another repository's tag: someone re-tagging in the registry.</summary>
    public async Task CopyOverAsync(ImageEntry image, string repositoryPath, string tag)
    {
        var source = ImageReference.Parse(image.Staging!).ByDigest(image.Digest);
        var manifest = await Client.GetManifestAsync(source);
        var parsed = manifest.AsImage(source.ToString());
        foreach (var blob in parsed.Layers.Prepend(parsed.Config))
            await Client.MountBlobAsync(source.Registry, repositoryPath, source.Repository, blob);
        await Client.PutManifestAsync(source.Registry, repositoryPath, tag, manifest.Content, manifest.MediaType);
    }

    /// <summary>A throwaway root whose last run recorded these images (artifacts/pipeline.json), with the project's tools linked in.</summary>
    public ThrowawayRoot RootWith(params ImageEntry[] images)
    {
        var root = new ThrowawayRoot();
        System.IO.File.CreateSymbolicLink(root.Path / ".nuke" / "tools", RepositoryRoot / ".nuke" / "tools");
        var record = new RunRecord();
        record.Set(Sections.Images, images);
        (root.Path / "artifacts").CreateDirectory();
        record.Write(root.Path / "artifacts" / "pipeline.json");
        return root;
    }
}

[CollectionDefinition("tamper")]
public sealed class TamperCollection : ICollectionFixture<TamperFixture>;

/// <summary>The tamper cases of issue #14 that are cheap through the compiled build: each refused with its reason, in one line.</summary>
[Collection("tamper")]
public sealed class TamperProcessTests(TamperFixture fixture) : IDisposable
{
    static readonly Dictionary<string, string> CleanFiles = new() { ["app/readme.txt"] = "nothing to see\n" };
    readonly AbsolutePath home = new(Directory.CreateTempSubdirectory("clustersnek-home-").FullName);

    public void Dispose()
    {
        try { Directory.Delete(home, recursive: true); } catch (IOException) { }
    }

    /// <summary>A fake GitHub token built at run time, so this source holds no secret-shaped text.</summary>
    static string FakeToken => "ghp" + "_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    (int Exit, string Output) Run(ThrowawayRoot root, string target, IReadOnlyDictionary<string, string>? environment = null, string[]? skip = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["HOME"] = home };
        return root.Run([target, "--skip", "BuildImages", .. skip ?? [], "--registry", fixture.Endpoint.Address, "--no-wait"], env);
    }

    static string Status(ThrowawayRoot root, string target) =>
        PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Target(target)!.Status.ToString();

    [Fact]
    public async Task An_edited_Scan_cache_entry_is_refused_and_a_secret_added_after_a_cached_Scan_is_blocked()
    {
        using var root = fixture.RootWith(await fixture.StageAsync("frontend", "edit1", CleanFiles));
        Assert.Equal(0, Run(root, "Scan").Exit);
        Assert.Equal(0, Run(root, "Scan").Exit);
        Assert.Equal("Cached", Status(root, "Scan"));

        // An edited entry: refused in one line; what replaces it is the authentic kept entry of the same inputs (sealed, untouched).
        var entry = root.Path / ".nuke" / "cache" / "Scan.json";
        File.WriteAllText(entry, File.ReadAllText(entry).Replace("\"passed\": true", "\"passed\": false", StringComparison.Ordinal));
        var (exit, output) = Run(root, "Scan");
        Assert.Equal(0, exit);
        Assert.Contains("cache entry .nuke/cache/Scan.json was modified outside the pipeline: running Scan", output);
        Assert.Equal("Cached", Status(root, "Scan"));
        Assert.Contains("restored the kept entry for these inputs (cache entry refused", PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Target("Scan")!.Reason);
        Assert.DoesNotContain("\"passed\": false", File.ReadAllText(root.Path / "artifacts" / "pipeline.json"));

        // Both edited: the kept entry is refused and deleted too; the authentic entry comes from the shared cache the first run published.
        File.WriteAllText(entry, File.ReadAllText(entry).Replace("\"passed\": true", "\"passed\": false", StringComparison.Ordinal));
        var kept = Directory.EnumerateFiles(root.Path / ".nuke" / "cache" / "entries", "Scan-*.entry").Single();
        File.WriteAllText(kept, File.ReadAllText(kept).Replace("\"passed\":true", "\"passed\":false", StringComparison.Ordinal).Replace("\"passed\": true", "\"passed\": false", StringComparison.Ordinal));
        (exit, output) = Run(root, "Scan");
        Assert.Equal(0, exit);
        Assert.Contains("was changed outside the pipeline (its seal does not verify): deleted", output);
        Assert.Equal("Cached", Status(root, "Scan"));
        Assert.StartsWith($"{fixture.Endpoint.Address}/clustersnek/cache:scan-", PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Target("Scan")!.CachedFrom);
        Assert.DoesNotContain("\"passed\": false", File.ReadAllText(root.Path / "artifacts" / "pipeline.json"));

        // A secret added to the repository after that (re-sealed, cacheable) Scan: Scan runs again and blocks it.
        (root.Path / "src").CreateDirectory();
        File.WriteAllText(root.Path / "src" / "settings.txt", $"github_token = \"{FakeToken}\"\n");
        (exit, output) = Run(root, "Scan");
        Assert.Equal(1, exit);
        Assert.Equal("Failed", Status(root, "Scan"));
        Assert.Contains("Scan gate failed: repository:", output);
        Assert.DoesNotContain(FakeToken, output);
    }

    [Fact]
    public async Task An_exception_that_expired_since_the_cached_Scan_fails_the_next_run_with_nothing_else_changed()
    {
        Assert.SkipUnless(File.Exists(FakeClock), $"{FakeClock} (Debian package faketime) moves the clock of the build process: apt-get install faketime");
        using var root = fixture.RootWith(await fixture.StageAsync("frontend", "expiry1", CleanFiles));
        (root.Path / "src").CreateDirectory();
        File.WriteAllText(root.Path / "src" / "settings.txt", $"github_token = \"{FakeToken}\"\n");
        (root.Path / "policies").CreateDirectory();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        File.WriteAllText(root.Path / "policies" / "exceptions.yaml", $"""
            exceptions:
              - id: github-pat
                path: src/settings.txt
                reason: a test fixture token, revoked
                expires: {today:yyyy-MM-dd}
                approvedBy: security@example.com
            """);
        Assert.Equal(0, Run(root, "Scan").Exit);
        Assert.Equal(0, Run(root, "Scan").Exit);
        Assert.Equal("Cached", Status(root, "Scan"));

        // The next day: only the clock moved.
        var (exit, output) = Run(root, "Scan", new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = FakeClock, ["FAKETIME"] = "+1d", ["DONT_FAKE_MONOTONIC"] = "1",
        });

        Assert.Equal(1, exit);
        Assert.Equal("Failed", Status(root, "Scan"));
        Assert.Contains($"exception github-pat expired on {today:yyyy-MM-dd}", output);
    }

    /// <summary>
    /// Writes a cache entry for BuildImages, sealed with <paramref name="cacheKey"/>, that replays these images: what someone
    /// holding the key (or a registry-only tamper after an honest run) leaves behind. The key of the entry is computed by the
    /// engine from the real BuildImages declaration, for this root and registry.
    /// </summary>
    void SealBuildImages(ThrowawayRoot root, string cacheKey, params ImageEntry[] images)
    {
        var build = new global::Build { Registry = fixture.Endpoint.Address };
        var target = (Target)typeof(global::Build).GetProperty("BuildImages", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .GetValue(build)!;
        var definition = new TargetDefinition();
        target(definition);
        var cache = new TargetCache(root.Path, root.Path / ".nuke" / "cache", CacheKey.FromSecret(cacheKey));
        var key = cache.ComputeKey("BuildImages", definition, out var files);
        cache.Store("BuildImages", key, new Dictionary<string, JsonNode>
        {
            [Sections.Images.Name] = System.Text.Json.JsonSerializer.SerializeToNode<IReadOnlyList<ImageEntry>>(images, RunRecord.Json)!,
        }, files);
    }

    [Fact]
    public async Task A_replayed_BuildImages_naming_another_services_image_or_a_moved_tag_is_refused_and_nothing_is_promoted_or_signed()
    {
        var backend = await fixture.StageAsync("backend", "swap1", CleanFiles);
        var frontend = await fixture.StageAsync("frontend", "swap1", new Dictionary<string, string> { ["app/index.html"] = "<h1>frontend</h1>\n" });
        // The tamper: the backend image copied over the frontend tag in the registry.
        await fixture.CopyOverAsync(backend, "clustersnek/staging/frontend", "swap1");
        using var root = fixture.RootWith();
        foreach (var service in new[] { "frontend", "backend", "ai-agent", "mcp-server" })
            File.WriteAllText((root.Path / "src" / "services" / service).CreateDirectory() / $"{service}.csproj", "<Project />\n");
        const string Key = "tamper-test-cache-key";
        string[] sign = ["Sign", "--skip", "Restore", "--cache-key", Key, "--registry", fixture.Endpoint.Address, "--no-wait"];
        var env = new Dictionary<string, string> { ["HOME"] = home };

        // The record also says frontend is the backend's digest: tag and digest agree, the image's own label does not.
        SealBuildImages(root, Key, frontend with { Digest = backend.Digest }, backend);
        var (exit, output) = root.Run(sign, env);
        Assert.Equal(1, exit);
        Assert.Contains($"cached BuildImages refused: frontend: {frontend.Staging}@{backend.Digest} is labelled {ImageLabels.Title}=backend, not frontend: "
            + "another service's image: running BuildImages", output);

        // An honest record, but the tag was moved since.
        SealBuildImages(root, Key, frontend, backend);
        (exit, output) = root.Run(sign, env);
        Assert.Equal(1, exit);
        Assert.Contains($"cached BuildImages refused: frontend: tag 'swap1' of {frontend.Staging} now points at {backend.Digest}, not the recorded "
            + $"{frontend.Digest} (re-tagged): running BuildImages", output);

        Assert.Equal("Failed", Status(root, "BuildImages")); // it ran (and fails here: a throwaway root has no base image lock)
        Assert.Equal("NotRun", Status(root, "Sign"));
        var release = ImageReference.Parse(frontend.Reference);
        Assert.Empty(await fixture.Client.ListTagsAsync(release.Registry, release.Repository, TestContext.Current.CancellationToken));
    }

    const string FakeClock = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    [Fact]
    public async Task A_service_bundling_a_secret_is_blocked_by_Scan_never_released_and_nothing_is_signed()
    {
        var clean = await fixture.StageAsync("backend", "leak1", CleanFiles);
        var leaky = await fixture.StageAsync("frontend", "leak1", new Dictionary<string, string> { ["app/settings.txt"] = $"github_token = \"{FakeToken}\"\n" });
        using var root = fixture.RootWith(clean, leaky);

        var (exit, output) = Run(root, "Sign", skip: ["Sbom"]); // Sbom is Sign's other way in; this test is about Scan's

        Assert.Equal(1, exit);
        Assert.Contains("Scan gate failed: frontend:", output);
        Assert.Equal("NotRun", Status(root, "Promote"));
        Assert.Equal("NotRun", Status(root, "Sign"));
        foreach (var image in new[] { clean, leaky })
        {
            var release = ImageReference.Parse(image.Reference);
            Assert.Empty(await fixture.Client.ListTagsAsync(release.Registry, release.Repository, TestContext.Current.CancellationToken));
        }
        Assert.DoesNotContain(FakeToken, output);
    }
}
