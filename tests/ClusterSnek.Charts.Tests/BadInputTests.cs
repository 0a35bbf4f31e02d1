using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Charts.Tests;

/// <summary>Bad input gives one line naming the file (and line, or field) and the fix, before anything is packaged.</summary>
public sealed class BadInputTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);

    static async Task<ChartRenderer> RendererAsync() => new(new Helm(await Repo.HelmAsync()));

    static RenderRequest Request(params string[] values) => new(Repo.BuiltChartAsync().GetAwaiter().GetResult(), "clustersnek", "clustersnek-dev",
        [Repo.Root / Stack.Environment("dev").ValuesFile, .. values], Stack.Services.Select(s => ServiceImage.Placeholder(s.Name)).ToList());

    static string Values(string text)
    {
        var file = Path.Combine(Repo.TempDirectory(), "values.yaml");
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void A_malformed_values_file_names_its_line()
    {
        var file = Values("backend:\n  replicas: 2\n  image: [\n");
        var e = Assert.Throws<ChartInputException>(() => ValuesFile.Check(file));
        Assert.StartsWith($"values file {file}:4:1: not valid YAML", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task An_unknown_values_key_fails_with_the_field_name()
    {
        var renderer = await RendererAsync();
        var e = await Assert.ThrowsAsync<ChartInputException>(() =>
            renderer.RenderAsync(Request(Values("backend:\n  securityContxt:\n    runAsNonRoot: true\n")), Path.Combine(Repo.TempDirectory(), "m.yaml")));
        Assert.Contains("backend: - at '': additional properties 'securityContxt' not allowed", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task An_unknown_global_key_fails_with_the_field_name()
    {
        var renderer = await RendererAsync();
        var e = await Assert.ThrowsAsync<ChartInputException>(() =>
            renderer.RenderAsync(Request(Values("global:\n  replicaz: 2\n")), Path.Combine(Repo.TempDirectory(), "m.yaml")));
        Assert.Contains("at '/global': additional properties 'replicaz' not allowed", e.Message);
    }

    [Fact]
    public void A_missing_subchart_names_the_dependency_and_the_folder()
    {
        var copy = Repo.CopyCharts();
        Directory.Delete(Path.Combine(copy, "ai-agent"), recursive: true);
        var e = Assert.Throws<ChartInputException>(() => ChartSource.Load(Path.Combine(copy, "clustersnek")));
        Assert.Matches(@"Chart\.yaml:\d+: subchart 'ai-agent' points at file://\.\./ai-agent, but .*/ai-agent has no Chart\.yaml\. Restore the subchart folder or remove the dependency\.", e.Message);
    }

    [Fact]
    public async Task A_helm_path_that_does_not_exist_is_one_clear_error()
    {
        var toolchain = Toolchain.ForRoot(Repo.Root, new Dictionary<string, string?> { ["helm"] = "/nonexistent/helm" });
        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => toolchain.ResolveAsync(ToolPins.Helm));
        Assert.Equal("--helm-path /nonexistent/helm: no such file. Point it at the helm binary or drop the option to use the pinned one.", e.Message);
    }

    [Fact]
    public async Task A_missing_image_digest_says_which_value_to_set()
    {
        var renderer = await RendererAsync();
        var request = Request() with { Images = [] };
        var e = await Assert.ThrowsAsync<ChartInputException>(() => renderer.RenderAsync(request, Path.Combine(Repo.TempDirectory(), "m.yaml")));
        Assert.Contains("image.digest: set the image digest (sha256:<64 hex>); images are referenced by digest only", e.Message);
    }
}
