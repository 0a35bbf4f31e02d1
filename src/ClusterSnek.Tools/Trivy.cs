namespace ClusterSnek.Tools;

/// <summary>Settings of <c>trivy image</c> on an image archive (a scan, not an SBOM).</summary>
public sealed record TrivyImageSettings
{
    /// <summary>What to look for: <c>vuln</c>, <c>secret</c>, or both.</summary>
    public IReadOnlyList<string> Scanners { get; init; } = ["vuln"];
    /// <summary>OCI repository of the vulnerability database (an air-gapped mirror); trivy's default when null.</summary>
    public string? DbRepository { get; init; }
    public string Timeout { get; init; } = "15m";
}

/// <summary>Settings of <c>trivy config</c>.</summary>
public sealed record TrivyConfigSettings
{
    public string Target { get; init; } = ".";
    public string Output { get; init; } = "trivy-config.json";
    /// <summary>Folders of custom Rego checks.</summary>
    public IReadOnlyList<string> CheckDirectories { get; init; } = [];
    /// <summary>Folders of data documents the custom checks read (<c>--config-data</c>).</summary>
    public IReadOnlyList<string> DataDirectories { get; init; } = [];
    /// <summary>Rego namespaces of the custom checks (e.g. <c>user</c>).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    /// <summary>Report passed checks too (to count the checks that ran).</summary>
    public bool IncludeNonFailures { get; init; }
    public IReadOnlyList<string> SkipDirectories { get; init; } = [];
    public IReadOnlyList<string> Severities { get; init; } = [];
    /// <summary>A cache of this call's own: trivy locks its cache database, so calls sharing one wait for each other.</summary>
    public string? CacheDirectory { get; init; }
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// The names of the flags that trivy renamed in 0.50 ("policy" became "check"). The pinned 0.44.1 build reports its version
/// as "dev" and knows only the old names.
/// </summary>
public sealed record TrivyFlags(string CheckDirectory, string CheckNamespaces, string SkipCheckUpdate)
{
    public static readonly TrivyFlags Before050 = new("--config-policy", "--policy-namespaces", "--skip-policy-update");
    public static readonly TrivyFlags Since050 = new("--config-check", "--check-namespaces", "--skip-check-update");

    /// <summary>The flag names of the trivy that reports <paramref name="version"/>.</summary>
    public static TrivyFlags For(string version) =>
        version == "dev" || Version.TryParse(version.TrimStart('v'), out var v) && v < new Version(0, 50) ? Before050 : Since050;
}

/// <summary>
/// Typed trivy calls: image scans (secrets, vulnerabilities), CycloneDX SBOMs, filesystem secret scans and config scans with
/// custom checks. The pinned 0.44 build exits 1 without a word on bad input, so inputs are checked first and a silent
/// failure becomes a message that names the input.
/// </summary>
public sealed class Trivy(ResolvedTool tool, string cacheDirectory) : ToolWrapper(tool)
{
    /// <summary>The flag names this trivy understands, from its version.</summary>
    public TrivyFlags Flags { get; } = TrivyFlags.For(tool.Version);

    /// <summary>
    /// Scans a docker-archive tar and returns the raw result: the caller decides what a failure means (a vulnerability scan
    /// fails offline for want of its database).
    /// </summary>
    public Task<ToolResult> ScanImageAsync(string archive, string output, Func<TrivyImageSettings, TrivyImageSettings>? configure = null,
        CancellationToken cancellation = default)
    {
        RequireArchive(archive);
        var s = (configure ?? (x => x))(new TrivyImageSettings());
        return RunAsync(["image", "--input", archive, "--cache-dir", cacheDirectory, "--scanners", string.Join(',', s.Scanners), "--format", "json",
            "--exit-code", "0", "--output", output, "--timeout", s.Timeout, .. s.DbRepository is null ? Array.Empty<string>() : ["--db-repository", s.DbRepository]],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
    }

    /// <summary>A CycloneDX 1.5 SBOM of a docker-archive tar (OS packages and .NET deps.json packages).</summary>
    public async Task SbomAsync(string archive, string output, CancellationToken cancellation = default)
    {
        RequireArchive(archive);
        var result = await RunAsync(["image", "--input", archive, "--cache-dir", cacheDirectory, "--format", "cyclonedx", "--quiet", "--output", output],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
        Ensure(result, output, $"trivy image --format cyclonedx on {archive}", "the input must be a docker-archive tar (skopeo copy docker://IMAGE docker-archive:FILE)");
    }

    /// <summary><c>trivy fs --scanners secret</c> on a folder, skipping <paramref name="skipDirectories"/>.</summary>
    public async Task SecretScanAsync(string directory, string output, IReadOnlyList<string> skipDirectories, CancellationToken cancellation = default)
    {
        RequireDirectory(directory);
        var result = await RunAsync(["fs", "--cache-dir", cacheDirectory, "--scanners", "secret", "--format", "json", "--exit-code", "0", "--quiet",
            "--output", output, .. SkipArguments(skipDirectories), directory], new ToolCallOptions { RequireSuccess = false }, cancellation);
        Ensure(result, output, $"trivy fs --scanners secret on {directory}", "the input must be a readable directory");
    }

    /// <summary><c>trivy config</c>: the built-in checks, plus custom checks when given, written as JSON to the settings' output.</summary>
    public async Task ConfigAsync(Func<TrivyConfigSettings, TrivyConfigSettings> configure, CancellationToken cancellation = default)
    {
        var s = configure(new TrivyConfigSettings());
        RequireDirectory(s.Target);
        var args = new List<string>
        {
            "config", "--cache-dir", s.CacheDirectory ?? cacheDirectory, Flags.SkipCheckUpdate,
            "--format", "json", "--exit-code", "0", "--quiet", "--output", s.Output,
        };
        if (s.IncludeNonFailures) args.Add("--include-non-failures");
        foreach (var d in s.CheckDirectories) args.AddRange([Flags.CheckDirectory, d]);
        foreach (var d in s.DataDirectories) args.AddRange(["--config-data", d]);
        if (s.Namespaces.Count > 0) args.AddRange([Flags.CheckNamespaces, string.Join(',', s.Namespaces)]);
        if (s.Severities.Count > 0) args.AddRange(["--severity", string.Join(',', s.Severities)]);
        args.AddRange(SkipArguments(s.SkipDirectories));
        args.Add(s.Target);
        var result = await RunAsync(args, new ToolCallOptions { RequireSuccess = false, Timeout = s.Timeout }, cancellation);
        Ensure(result, s.Output, $"trivy config on {s.Target}", s.CheckDirectories.Count == 0
            ? "the input must be a readable directory of valid YAML"
            : "check that the manifests are valid YAML and the custom checks compile (run with --verbose for trivy's output)");
    }

    static IEnumerable<string> SkipArguments(IReadOnlyList<string> directories) => directories.SelectMany(d => new[] { "--skip-dirs", d });

    static void RequireArchive(string archive)
    {
        if (!File.Exists(archive) || new FileInfo(archive).Length == 0)
            throw new ToolInputException($"{archive}: no image archive to scan (expected a docker-archive tar written by skopeo).");
        if (archive.EndsWith(".oci.tar", StringComparison.Ordinal))
            throw new ToolInputException($"{archive}: trivy 0.44 cannot read oci-archive tars (it exits 1 silently); export a docker-archive instead.");
    }

    static void RequireDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new ToolInputException($"{directory}: no such directory to scan.");
    }

    static void Ensure(ToolResult result, string output, string what, string hint)
    {
        if (result.Succeeded && File.Exists(output)) return;
        var said = result.LastErrorLine == "(no output)" ? "without saying why" : result.LastErrorLine;
        throw new ToolFailedException(result, $"{what} failed (exit {result.ExitCode}) {said}; {hint}.");
    }
}
