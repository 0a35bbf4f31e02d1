using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Charts;

/// <summary>What PackageCharts needs: the chart, each environment's values file, the commit, and where packages go.</summary>
public sealed record PackageRequest(string ChartDirectory, IReadOnlyDictionary<string, string> EnvironmentValues, IReadOnlyList<string> Services,
    string? Commit, string Destination, bool Dirty = false);

/// <summary>A packaged chart: the .tgz, its name and version, and each environment's lint result.</summary>
public sealed record PackagedChart(string Path, string Name, string Version, IReadOnlyList<string> LintedEnvironments);

/// <summary>Checks inputs, builds dependencies, lints strictly per environment, and packages with a git-derived version.</summary>
public sealed class ChartPackager(Helm helm)
{
    public async Task<PackagedChart> PackageAsync(PackageRequest request, CancellationToken cancellation = default)
    {
        // Everything is checked before helm writes anything, so bad input leaves no half-built package behind.
        var source = ChartSource.Load(request.ChartDirectory);
        foreach (var dependency in source.Dependencies)
            if (dependency.LocalPath(request.ChartDirectory) is { } local) ChartSource.Load(local);
        foreach (var (env, file) in request.EnvironmentValues) ValuesFile.Check(file);
        var version = ChartVersion.WithBuildMetadata(source.Version, request.Commit, request.Dirty);

        // With only file:// dependencies the lock pins nothing, and a stale one (after a subchart is added) makes helm refuse to build.
        var lockFile = System.IO.Path.Combine(request.ChartDirectory, "Chart.lock");
        if (source.Dependencies.All(d => d.LocalPath(request.ChartDirectory) is not null) && File.Exists(lockFile)) File.Delete(lockFile);
        await RunHelmAsync(() => helm.DependencyBuildAsync(request.ChartDirectory, cancellation), "helm dependency build", request.ChartDirectory);

        Directory.CreateDirectory(request.Destination);
        var overlay = System.IO.Path.Combine(request.Destination, "lint-images.yaml");
        await File.WriteAllTextAsync(overlay, ChartRenderer.ImagesOverlay(request.Services.Select(ServiceImage.Placeholder).ToList(), null), cancellation);
        var linted = new List<string>();
        foreach (var (env, file) in request.EnvironmentValues)
        {
            var lint = await helm.LintAsync(request.ChartDirectory, [file, overlay], strict: true, cancellation);
            if (!lint.Succeeded)
                throw new ChartInputException($"helm lint --strict {request.ChartDirectory} for {env} ({file}): {LintError(lint)}");
            Log.Information("helm lint --strict: {Env} passed ({File})", env, file);
            linted.Add(env);
        }
        File.Delete(overlay);

        await RunHelmAsync(() => helm.PackageAsync(request.ChartDirectory, request.Destination, version, cancellation), "helm package", request.ChartDirectory);
        var package = System.IO.Path.Combine(request.Destination, $"{source.Name}-{version}.tgz");
        if (!File.Exists(package))
            throw new InvalidOperationException($"helm package reported success but {package} is missing.");
        return new PackagedChart(package, source.Name, version, linted);
    }

    // The reason of a template error is on the lines below "[ERROR]"; HelmFailure keeps them.
    static string LintError(ToolResult lint) => HelmFailure.Describe(lint);

    static async Task RunHelmAsync(Func<Task<ToolResult>> call, string what, string chart)
    {
        try { await call(); }
        catch (ToolFailedException e) { throw new ChartInputException($"{what} {chart}: {HelmFailure.Describe(e.Result)}"); }
    }
}
