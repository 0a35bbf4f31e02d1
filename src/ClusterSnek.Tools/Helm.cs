namespace ClusterSnek.Tools;

/// <summary>Settings of <c>helm template</c>.</summary>
public sealed record HelmTemplateSettings
{
    public string Release { get; init; } = "release";
    public string Chart { get; init; } = "";
    public string? Namespace { get; init; }
    public IReadOnlyList<string> ValuesFiles { get; init; } = [];
    public IReadOnlyDictionary<string, string> SetValues { get; init; } = new Dictionary<string, string>();
    public string? KubeVersion { get; init; }

    public HelmTemplateSettings Set(string key, string value) => this with { SetValues = new Dictionary<string, string>(SetValues) { [key] = value } };
}

/// <summary>Typed helm calls. Helm 4 renamed <c>--atomic</c>; <see cref="RollbackOnFailureFlag"/> picks by major version.</summary>
public sealed class Helm(ResolvedTool tool) : ToolWrapper(tool)
{
    public string RollbackOnFailureFlag => Tool.Major >= 4 ? "--rollback-on-failure" : "--atomic";

    public async Task<string> TemplateAsync(Func<HelmTemplateSettings, HelmTemplateSettings> configure, CancellationToken cancellation = default)
    {
        var s = configure(new HelmTemplateSettings());
        var args = new List<string> { "template", s.Release, s.Chart };
        if (s.Namespace is not null) args.AddRange(["--namespace", s.Namespace]);
        foreach (var f in s.ValuesFiles) args.AddRange(["--values", f]);
        foreach (var (k, v) in s.SetValues) args.AddRange(["--set-string", $"{k}={v}"]);
        if (s.KubeVersion is not null) args.AddRange(["--kube-version", s.KubeVersion]);
        return (await RunAsync(args, null, cancellation)).StandardOutput;
    }

    public Task<ToolResult> LintAsync(string chart, IEnumerable<string> valuesFiles, bool strict = true, CancellationToken cancellation = default) =>
        RunAsync(["lint", chart, .. strict ? new[] { "--strict" } : [], .. valuesFiles.SelectMany(f => new[] { "--values", f })],
            new ToolCallOptions { RequireSuccess = false }, cancellation);

    public Task<ToolResult> DependencyBuildAsync(string chart, CancellationToken cancellation = default) =>
        RunAsync(["dependency", "build", chart, "--skip-refresh"], null, cancellation);

    public Task<ToolResult> PackageAsync(string chart, string destination, string? version = null, CancellationToken cancellation = default) =>
        RunAsync(["package", chart, "--destination", destination, .. version is null ? Array.Empty<string>() : ["--version", version]], null, cancellation);

    public Task<ToolResult> PushAsync(string package, string ociRepository, bool plainHttp, CancellationToken cancellation = default) =>
        RunAsync(["push", package, ociRepository, .. plainHttp ? new[] { "--plain-http" } : []], null, cancellation);
}
