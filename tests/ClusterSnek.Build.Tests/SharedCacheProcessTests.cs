using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Caching;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// Issue 17 through the compiled build against a real registry: checkouts of the same sources that share a registry share its cache
/// (&lt;registry&gt;/clustersnek/cache, the default). Scan and Sbom stand in for the shareable targets: their work is trivy's, so
/// "taken from the cache" is visible as "no trivy call". An entry signed by another key, or changed after signing, is refused and
/// the target runs.
/// </summary>
[Collection("tamper")]
public sealed class SharedCacheProcessTests(TamperFixture fixture) : IDisposable
{
    static readonly Dictionary<string, string> Files = new() { ["app/readme.txt"] = "shared cache fixture\n" };
    readonly AbsolutePath home = new(Directory.CreateTempSubdirectory("clustersnek-home-").FullName);
    readonly AbsolutePath otherHome = new(Directory.CreateTempSubdirectory("clustersnek-home-").FullName);

    public void Dispose()
    {
        foreach (var h in new[] { home, otherHome })
            try { Directory.Delete(h, recursive: true); } catch (IOException) { }
    }

    (int Exit, string Output) Run(ThrowawayRoot root, AbsolutePath userHome) =>
        root.Run(["Scan", "Sbom", "--skip", "BuildImages", "--registry", fixture.Endpoint.Address, "--no-wait"],
            new Dictionary<string, string> { ["HOME"] = userHome });

    static ClusterSnek.Record.TargetEntry Target(ThrowawayRoot root, string name) =>
        ClusterSnek.Record.PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Target(name)!;

    static string ScanEntryTag(ThrowawayRoot root) =>
        RegistryCache.TagOf("Scan", Path.GetFileName(Directory.EnumerateFiles(root.Path / ".nuke" / "cache" / "entries", "Scan-*.entry").Single())[5..^6]);

    string CacheRepository => "clustersnek/cache";

    [Fact]
    public async Task A_second_checkout_takes_Scan_and_Sbom_from_the_shared_cache_with_no_trivy_call_and_the_same_results()
    {
        var image = await fixture.StageAsync("frontend", "shared1", Files);
        using var first = fixture.RootWith(image);
        using var second = fixture.RootWith(image);

        var (exit, output) = Run(first, home);
        Assert.True(exit == 0, output);
        Assert.Contains("→ trivy", output);
        Assert.True(output.Contains($"shared as {fixture.Endpoint.Address}/{CacheRepository}:scan-", StringComparison.Ordinal), output);
        Assert.StartsWith($"no cache entry yet; not in {fixture.Endpoint.Address}/{CacheRepository}; scanned 1 image(s)", Target(first, "Scan").Reason);

        (exit, output) = Run(second, home);

        Assert.True(exit == 0, output);
        Assert.DoesNotContain("→ trivy", output);
        foreach (var name in new[] { "Scan", "Sbom" })
        {
            var entry = Target(second, name);
            Assert.Equal(ClusterSnek.Record.TargetStatus.Cached, entry.Status);
            Assert.StartsWith($"{fixture.Endpoint.Address}/{CacheRepository}:{name.ToLowerInvariant()}-", entry.CachedFrom);
            Assert.StartsWith("cached from ", entry.Reason);
        }
        foreach (var file in new[] { "scan/frontend.json", "scan/frontend.sarif", "scan/repository.json", "sbom/frontend.cdx.json" })
            Assert.Equal(File.ReadAllBytes(first.Path / "artifacts" / file), File.ReadAllBytes(second.Path / "artifacts" / file));
        var scanOf = (ThrowawayRoot r) => JsonNode.Parse(File.ReadAllText(r.Path / "artifacts" / "pipeline.json"))!["scan"]!.ToJsonString();
        Assert.Equal(scanOf(first), scanOf(second));

        // Third run of the second checkout: its own cache now.
        (exit, _) = Run(second, home);
        Assert.Equal(0, exit);
        Assert.Equal("local", Target(second, "Scan").CachedFrom);
    }

    /// <summary>A root with the repository's committed charts/ and policies/ (what PackageCharts and PolicyTest read), and these images recorded.</summary>
    ThrowawayRoot ChartRoot(ClusterSnek.Record.ImageEntry image)
    {
        var root = fixture.RootWith(image);
        var tracked = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", fixture.RepositoryRoot, "ls-files", "charts", "policies"])
            { RedirectStandardOutput = true })!;
        foreach (var file in tracked.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(root.Path / file)!);
            File.Copy(fixture.RepositoryRoot / file, root.Path / file);
        }
        tracked.WaitForExit();
        return root;
    }

    [Fact]
    public async Task A_second_checkout_takes_PackageCharts_and_PolicyTest_from_the_shared_cache_with_no_helm_or_trivy_call()
    {
        var image = await fixture.StageAsync("frontend", "shared3", Files);
        using var first = ChartRoot(image);
        using var second = ChartRoot(image);
        string[] args = ["PolicyTest", "--skip-chart-push", "--registry", fixture.Endpoint.Address, "--no-wait"];
        var env = new Dictionary<string, string> { ["HOME"] = home };

        var (exit, output) = first.Run(args, env);
        Assert.True(exit == 0, output);
        Assert.Contains("→ helm template", output);

        (exit, output) = second.Run(args, env);

        Assert.True(exit == 0, output);
        Assert.DoesNotContain("→ helm", output);
        Assert.DoesNotContain("→ trivy", output);
        Assert.Equal(ClusterSnek.Record.TargetStatus.Cached, Target(second, "PackageCharts").Status);
        Assert.Equal(ClusterSnek.Record.TargetStatus.Cached, Target(second, "PolicyTest").Status);
        var chart = Path.GetFileName(Directory.EnumerateFiles(first.Path / "artifacts" / "charts", "*.tgz").Single());
        Assert.Equal(File.ReadAllBytes(first.Path / "artifacts" / "charts" / chart), File.ReadAllBytes(second.Path / "artifacts" / "charts" / chart));
        // What helm dependency build left in the chart folder comes with it: Deploy's helm template needs it.
        Assert.NotEmpty(Directory.EnumerateFiles(second.Path / "charts" / "clustersnek" / "charts", "*.tgz"));
        foreach (var file in Directory.EnumerateFiles(first.Path / "artifacts" / "policy", "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(second.Path / "artifacts" / "policy" / Path.GetRelativePath(first.Path / "artifacts" / "policy", file)));
    }

    [Fact]
    public async Task An_entry_signed_by_another_key_or_changed_after_signing_is_refused_and_the_target_runs()
    {
        var image = await fixture.StageAsync("frontend", "shared2", Files);
        using var writer = fixture.RootWith(image);
        Assert.Equal(0, Run(writer, home).Exit);
        var tag = ScanEntryTag(writer);

        // Another user's development key (another HOME): the entry does not verify with it.
        using var foreign = fixture.RootWith(image);
        var (exit, output) = Run(foreign, otherHome);
        Assert.True(exit == 0, output);
        Assert.Contains("Shared cache entry of Scan refused:", output);
        Assert.Contains("its signature does not verify with the trust root", output);
        Assert.Equal(ClusterSnek.Record.TargetStatus.Succeeded, Target(foreign, "Scan").Status);
        Assert.Contains("; the shared entry was refused: ", Target(foreign, "Scan").Reason);
        Assert.Contains("→ trivy", output);

        // The entry (now the foreign user's, re-published) re-signed by nobody: its payload changed, the old signature kept.
        await AlterPayloadAsync(tag, payload => payload.Replace("\"passed\": true", "\"passed\": false", StringComparison.Ordinal));
        using var reader = fixture.RootWith(image);
        (exit, output) = Run(reader, otherHome);
        Assert.True(exit == 0, output);
        Assert.Contains("Shared cache entry of Scan refused:", output);
        Assert.Contains("it was signed by another key or changed after signing", output);
        Assert.Equal(ClusterSnek.Record.TargetStatus.Succeeded, Target(reader, "Scan").Status);
    }

    /// <summary>Rewrites the entry's DSSE payload under the same tag, keeping its signature: what someone with push access but no key can do.</summary>
    async Task AlterPayloadAsync(string tag, Func<string, string> change)
    {
        var registry = fixture.Endpoint.Address;
        var content = await fixture.Client.GetManifestAsync(new ImageReference(registry, CacheRepository, tag));
        var manifest = content.AsImage(tag);
        var envelope = JsonNode.Parse(await fixture.Client.GetBlobAsync(registry, CacheRepository, manifest.Config.Digest))!;
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(envelope["payload"]!.GetValue<string>()));
        var altered = change(payload);
        Assert.NotEqual(payload, altered);
        envelope["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(altered));
        var config = await fixture.Client.PushBlobAsync(registry, CacheRepository, Encoding.UTF8.GetBytes(envelope.ToJsonString()), RegistryCache.EnvelopeMediaType);
        await fixture.Client.PutManifestAsync(registry, CacheRepository, tag, (manifest with { Config = config }).ToBytes(), MediaTypes.OciManifest);
    }

    [Fact]
    public async Task CachePrune_deletes_entries_past_the_retention_and_beyond_the_quota_per_target_and_leaves_other_tags()
    {
        var registry = fixture.Endpoint.Address;
        const string repository = "prune-test/cache";
        var now = DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        async Task Push(string tag, string target, DateTimeOffset created, string configType = RegistryCache.EnvelopeMediaType)
        {
            var config = await fixture.Client.PushBlobAsync(registry, repository, Encoding.UTF8.GetBytes("{\"tag\":\"" + tag + "\"}"), configType);
            var annotations = new Dictionary<string, string>
            {
                [RegistryCache.CreatedAnnotation] = created.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                [RegistryCache.TargetAnnotation] = target,
            };
            await fixture.Client.PutManifestAsync(registry, repository, tag, new ImageManifest(2, MediaTypes.OciManifest, config, [], annotations).ToBytes(), MediaTypes.OciManifest);
        }
        await Push("scan-old", "Scan", now.AddDays(-30));
        await Push("scan-new1", "Scan", now.AddDays(-1));
        await Push("scan-new2", "Scan", now.AddDays(-2));
        await Push("scan-new3", "Scan", now.AddDays(-3));
        await Push("sbom-new", "Sbom", now.AddDays(-1));
        await Push("someone-elses", "Scan", now.AddDays(-90), MediaTypes.OciConfig);

        var dry = await CachePruner.PruneAsync(fixture.Client, new CacheRepository(registry, repository), now, 14, 2, dryRun: true, default);
        Assert.Equal(["scan-new3", "scan-old"], dry.Deleted);
        Assert.Equal(6, (await fixture.Client.ListTagsAsync(registry, repository)).Count);

        var result = await CachePruner.PruneAsync(fixture.Client, new CacheRepository(registry, repository), now, 14, 2, dryRun: false, default);

        Assert.Equal(["scan-new3", "scan-old"], result.Deleted);
        Assert.Equal(3, result.Kept);
        Assert.Equal(["someone-elses"], result.Foreign);
        Assert.Equal(["sbom-new", "scan-new1", "scan-new2", "someone-elses"], (await fixture.Client.ListTagsAsync(registry, repository)).Order(StringComparer.Ordinal));
    }
}
