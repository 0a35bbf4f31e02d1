using System.Reflection;
using ClusterSnek.Pipeline;
using ClusterSnek.Record;

namespace ClusterSnek.Build.Tests;

/// <summary>PolicyTest is cached on what it checks: its cache key, computed by the engine's cache from the real declaration.</summary>
[Collection("Engine")]
public sealed class PolicyTestCacheTests : IDisposable
{
    static readonly AbsolutePath Root = PipelineBuild.RootDirectory;
    readonly string scratch = Path.Combine(Path.GetTempPath(), "clustersnek-policy-cache-" + Guid.NewGuid().ToString("N"));
    readonly global::Build build = new();

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }

    (string Key, IReadOnlyCollection<string> Files) Key()
    {
        var target = (Target)typeof(global::Build).GetProperty("PolicyTest", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(build)!;
        var definition = new TargetDefinition();
        target(definition);
        var key = new TargetCache(Root, new AbsolutePath(scratch) / "cache", null).ComputeKey("PolicyTest", definition, out var files);
        return (key, files.Files.Keys);
    }

    static ImageEntry Image(string service, char digit) =>
        new(service, $"127.0.0.1:5000/clustersnek/{service}", "t", new Digest("sha256:" + new string(digit, 64)), 0, null, 0, "dotnet", null);

    [Fact]
    public void The_chart_sources_the_environment_values_the_policies_and_their_exceptions_are_inputs()
    {
        var (_, files) = Key();

        foreach (var expected in new[] { "charts/common/templates/_deployment.tpl", "charts/clustersnek/values-dev.yaml", "charts/clustersnek/values-prod.yaml",
                     "policies/policy-exceptions.yaml", "clustersnek.yaml" })
            Assert.Contains(expected, files);
        Assert.Contains(files, f => f.StartsWith("policies/rego/", StringComparison.Ordinal) && f.EndsWith(".rego", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.EndsWith(".tgz", StringComparison.Ordinal)); // helm dependency build rewrites those every run
    }

    [Fact]
    public void The_key_stays_the_same_when_nothing_it_checks_changed()
    {
        Assert.Equal(Key().Key, Key().Key);
    }

    [Fact]
    public void A_changed_values_file_given_with_values_changes_the_key()
    {
        Directory.CreateDirectory(scratch);
        var values = Path.Combine(scratch, "extra.yaml");
        File.WriteAllText(values, "frontend:\n  replicas: 2\n");
        build.Values = [values];
        var before = Key().Key;

        File.WriteAllText(values, "frontend:\n  replicas: 3\n");

        Assert.NotEqual(before, Key().Key);
    }

    [Fact]
    public void A_new_image_digest_changes_the_key()
    {
        build.Run.Set(Sections.Images, [Image("backend", 'a')]);
        var before = Key().Key;

        build.Run.Set(Sections.Images, [Image("backend", 'b')]);

        Assert.NotEqual(before, Key().Key);
    }
}
