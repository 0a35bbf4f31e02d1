using ClusterSnek.Charts;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Tools;

partial class Build
{
    [Parameter("OCI registry (host:port) PackageCharts pushes charts to, as oci://<registry>/charts; default: --registry, else the embedded one")]
    public string? ChartRegistry { get; set; }

    [Parameter("Package the charts without pushing them")]
    public bool SkipChartPush { get; set; }

    /// <summary>Where charts go: --chart-registry, else the image registry (the embedded one is started on first use).</summary>
    async Task<IChartPublisher?> ChartPublisherAsync(Helm helm, CancellationToken ct) =>
        SkipChartPush ? null : OciChartPublisher.For(helm, ChartRegistry is { Length: > 0 } registry ? registry : (await EnsureRegistryAsync(ct)).Address);

    Target PackageCharts => _ => _
        .Description("helm dependency build, lint --strict per environment, package into artifacts/charts/ (version + git sha), push to the registry")
        // Sources only: helm dependency build rewrites charts/clustersnek/charts/*.tgz and Chart.lock on every run.
        .Inputs("charts/**/*.yaml", "charts/**/*.json", "charts/**/*.tpl", "charts/**/.helmignore", "clustersnek.yaml")
        .Inputs(() => [Run.Commit, ChartRegistry ?? RegistryAddress, SkipChartPush.ToString()])
        // The packaged chart, and what helm dependency build leaves in the chart folder (gitignored; helm template needs it).
        .Outputs(() => ["artifacts/charts", $"{Manifest.Chart.Path}/charts", $"{Manifest.Chart.Path}/Chart.lock"])
        .Shareable()
        .Executes(async ct =>
        {
            var helm = new Helm(await Toolchain.ResolveAsync(ToolPins.Helm, ct));
            var chart = await new ChartPackager(helm).PackageAsync(new PackageRequest(
                RootDirectory / Manifest.Chart.Path,
                Manifest.Environments.ToDictionary(e => e.Name, e => (string)(RootDirectory / e.ValuesFile)),
                Manifest.Services.Select(s => s.Name).ToList(), Run.Commit, ArtifactsDirectory / "charts"), ct);
            var pushed = await ChartPublisherAsync(helm, ct) is { } publisher ? await publisher.PushAsync(chart, ct) : null;
            if (pushed is not null) Audit(AuditAction.ChartPush, pushed, null);
            Run.Set(Sections.Charts, new ChartRecord(chart.Name, chart.Version, Path.GetRelativePath(RootDirectory, chart.Path), chart.LintedEnvironments, pushed));
        });
}
