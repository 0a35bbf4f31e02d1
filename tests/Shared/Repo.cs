using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Testing;

/// <summary>The repository these tests run in, and its pinned tools (installed for real when missing).</summary>
public static class Repo
{
    public static AbsolutePath Root { get; } = FindRoot();

    static readonly Toolchain Tools = Toolchain.ForRoot(Root);

    public static Task<ResolvedTool> HelmAsync() => Tools.ResolveAsync(ToolPins.Helm);
    public static Task<ResolvedTool> TrivyAsync() => Tools.ResolveAsync(ToolPins.Trivy);

    static readonly Lazy<Task<string>> Chart = new(CopyChartsAsync);

    /// <summary>
    /// The umbrella chart, copied with its subcharts to a folder of this test run and dependency-built there: helm dependency build
    /// rewrites charts/clustersnek/charts/*.tgz, which would race with other test projects rendering the repository's copy.
    /// </summary>
    public static Task<string> BuiltChartAsync() => Chart.Value;

    public static string CopyCharts()
    {
        var copy = Path.Combine(TempDirectory(), "charts");
        foreach (var file in Directory.EnumerateFiles(Root / "charts", "*", SearchOption.AllDirectories)
                     .Where(f => !f.EndsWith(".tgz", StringComparison.Ordinal) && !f.EndsWith("Chart.lock", StringComparison.Ordinal)))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Root / "charts", file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    static async Task<string> CopyChartsAsync()
    {
        var chart = Path.Combine(CopyCharts(), "clustersnek");
        await new Helm(await HelmAsync()).DependencyBuildAsync(chart);
        return chart;
    }

    public static string TempDirectory() => Directory.CreateTempSubdirectory("clustersnek-test-").FullName;

    static AbsolutePath FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "clustersnek.yaml")) && Directory.Exists(Path.Combine(dir.FullName, ".nuke"))) return new AbsolutePath(dir.FullName);
        throw new InvalidOperationException("repository root (clustersnek.yaml) not found above " + AppContext.BaseDirectory);
    }
}
