using ClusterSnek.Charts;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

partial class Build
{
    [Parameter("OCI registry (host:port) PackageCharts pushes charts to, as oci://<registry>/charts; empty: package only")]
    public string? ChartRegistry { get; set; }

    /// <summary>Where charts go. The lead wires the embedded registry's address here when the registry stage is merged.</summary>
    IChartPublisher? ChartPublisher(Helm helm) =>
        ChartRegistry is { Length: > 0 } registry ? OciChartPublisher.For(helm, registry) : null;

    Target PackageCharts => _ => _
        .Description("helm dependency build, lint --strict per environment, package into artifacts/charts/ (version + git sha), push to the registry")
        // Sources only: helm dependency build rewrites charts/clustersnek/charts/*.tgz and Chart.lock on every run.
        .Inputs("charts/**/*.yaml", "charts/**/*.json", "charts/**/*.tpl", "charts/**/.helmignore", "clustersnek.yaml")
        .Inputs(() => [Run.Commit, ChartRegistry])
        .Outputs("artifacts/charts")
        .Executes(async ct =>
        {
            var helm = new Helm(await Toolchain.ResolveAsync(ToolPins.Helm, ct));
            var chart = await new ChartPackager(helm).PackageAsync(new PackageRequest(
                RootDirectory / Manifest.Chart.Path,
                Manifest.Environments.ToDictionary(e => e.Name, e => (string)(RootDirectory / e.ValuesFile)),
                Manifest.Services.Select(s => s.Name).ToList(), Run.Commit, ArtifactsDirectory / "charts"), ct);
            var pushed = ChartPublisher(helm) is { } publisher ? await publisher.PushAsync(chart, ct) : null;
            Run.Set("charts", new { chart.Name, chart.Version, package = Path.GetRelativePath(RootDirectory, chart.Path), lint = chart.LintedEnvironments, pushed });
        });
}
