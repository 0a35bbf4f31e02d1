namespace ClusterSnek.Tools;

/// <summary>Settings of <c>trivy config</c>.</summary>
public sealed record TrivyConfigSettings
{
    public string Target { get; init; } = ".";
    public IReadOnlyList<string> PolicyDirectories { get; init; } = [];
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    public string Format { get; init; } = "json";
    public string? Output { get; init; }
    public IReadOnlyList<string> Severities { get; init; } = [];
}

/// <summary>Typed trivy calls. This build (0.44) exits 1 without saying why, so callers check inputs first.</summary>
public sealed class Trivy(ResolvedTool tool, string cacheDirectory) : ToolWrapper(tool)
{
    // 0.44 flag names; newer trivy renamed them (--config-check, --check-namespaces, --skip-check-update).
    bool Legacy => Tool.Version == "dev" || Version.TryParse(Tool.Version, out var v) && v < new Version(0, 50);
    string PolicyFlag => Legacy ? "--config-policy" : "--config-check";
    string NamespaceFlag => Legacy ? "--policy-namespaces" : "--check-namespaces";
    string SkipUpdateFlag => Legacy ? "--skip-policy-update" : "--skip-check-update";

    public Task<ToolResult> ConfigAsync(Func<TrivyConfigSettings, TrivyConfigSettings> configure, CancellationToken cancellation = default)
    {
        var s = configure(new TrivyConfigSettings());
        var args = new List<string> { "config", "--cache-dir", cacheDirectory, SkipUpdateFlag, "--format", s.Format, "--exit-code", "0", "--quiet" };
        foreach (var p in s.PolicyDirectories) args.AddRange([PolicyFlag, p]);
        if (s.Namespaces.Count > 0) args.AddRange([NamespaceFlag, string.Join(',', s.Namespaces)]);
        if (s.Severities.Count > 0) args.AddRange(["--severity", string.Join(',', s.Severities)]);
        if (s.Output is not null) args.AddRange(["--output", s.Output]);
        args.Add(s.Target);
        return RunAsync(args, null, cancellation);
    }

    public Task<ToolResult> SecretScanAsync(string path, string output, CancellationToken cancellation = default) =>
        RunAsync(["fs", "--cache-dir", cacheDirectory, "--scanners", "secret", "--format", "json", "--exit-code", "0", "--quiet", "--output", output, path], null, cancellation);
}
