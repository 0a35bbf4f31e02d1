using ClusterSnek.Images.Distribution;
using ClusterSnek.Tools;

namespace ClusterSnek.Supply.Scanning;

/// <summary>skopeo, for exporting an image from a registry into a form Trivy 0.44 reads (docker-archive; not oci-archive).</summary>
public sealed class SkopeoExport(ResolvedTool tool) : ToolWrapper(tool)
{
    public async Task ExportDockerArchiveAsync(ImageReference image, string file, CancellationToken cancellation = default)
    {
        if (File.Exists(file)) File.Delete(file);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var result = await RunAsync(["copy", "--quiet", .. image.IsLoopback ? new[] { "--src-tls-verify=false" } : [],
            "docker://" + image, "docker-archive:" + file], new ToolCallOptions { RequireSuccess = false, Timeout = TimeSpan.FromMinutes(10) }, cancellation);
        if (!result.Succeeded || !File.Exists(file) || new FileInfo(file).Length == 0)
            throw new ScanFailedException($"{image}: skopeo could not export the image for scanning (exit {result.ExitCode}): {result.LastErrorLine}");
    }
}

/// <summary>
/// Trivy calls of the Scan and Sbom stages. Trivy 0.44 exits 1 without a word on bad input, so inputs are checked
/// first and a silent failure becomes a message that names the input.
/// </summary>
public sealed class TrivyScanner(ResolvedTool tool, string cacheDirectory) : ToolWrapper(tool)
{
    /// <summary>Folders never scanned in the repository: build output, installed tools, run artifacts.</summary>
    public static readonly IReadOnlyList<string> SkippedDirectories = [".git", ".nuke", "artifacts", "**/bin", "**/obj", "**/node_modules"];

    /// <summary>Scans a docker-archive tar; returns the raw result (the caller decides what a failure means).</summary>
    public Task<ToolResult> ImageAsync(string archive, string scanners, string output, string? dbRepository, CancellationToken cancellation = default)
    {
        RequireArchive(archive);
        return RunAsync(["image", "--input", archive, "--cache-dir", cacheDirectory, "--scanners", scanners, "--format", "json",
            "--exit-code", "0", "--output", output, "--timeout", "15m", .. dbRepository is null ? Array.Empty<string>() : ["--db-repository", dbRepository]],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
    }

    public async Task SecretsInRepositoryAsync(string directory, string output, CancellationToken cancellation = default)
    {
        RequireDirectory(directory);
        var result = await RunAsync(["fs", "--cache-dir", cacheDirectory, "--scanners", "secret", "--format", "json", "--exit-code", "0", "--quiet",
            "--output", output, .. SkipArguments(), directory], new ToolCallOptions { RequireSuccess = false }, cancellation);
        Ensure(result, output, $"trivy fs --scanners secret on {directory}", "a readable directory");
    }

    public async Task ConfigAsync(string directory, string output, CancellationToken cancellation = default)
    {
        RequireDirectory(directory);
        // 0.44 names; newer trivy renamed --skip-policy-update to --skip-check-update.
        var skipUpdate = Tool.Version == "dev" || Version.TryParse(Tool.Version, out var v) && v < new Version(0, 50) ? "--skip-policy-update" : "--skip-check-update";
        var result = await RunAsync(["config", "--cache-dir", cacheDirectory, skipUpdate, "--format", "json", "--exit-code", "0", "--quiet",
            "--output", output, .. SkipArguments(), .. ConfigFixtureSkips, directory], new ToolCallOptions { RequireSuccess = false }, cancellation);
        Ensure(result, output, $"trivy config on {directory}", "a readable directory");
    }

    /// <summary>A CycloneDX 1.5 SBOM of an image archive (OS packages and .NET deps.json packages).</summary>
    public async Task SbomAsync(string archive, string output, CancellationToken cancellation = default)
    {
        RequireArchive(archive);
        var result = await RunAsync(["image", "--input", archive, "--cache-dir", cacheDirectory, "--format", "cyclonedx", "--quiet", "--output", output],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
        Ensure(result, output, $"trivy image --format cyclonedx on {archive}", "a docker-archive tar (skopeo copy docker://IMAGE docker-archive:FILE)");
    }

    // The policy fixtures are insecure on purpose (each policy's must-fail manifest); they are not deployable config.
    static readonly string[] ConfigFixtureSkips = ["--skip-dirs", "policies/tests"];

    static IEnumerable<string> SkipArguments() => SkippedDirectories.SelectMany(d => new[] { "--skip-dirs", d });

    static void RequireArchive(string archive)
    {
        if (!File.Exists(archive) || new FileInfo(archive).Length == 0)
            throw new ScanFailedException($"{archive}: no image archive to scan (expected a docker-archive tar written by skopeo).");
        if (archive.EndsWith(".oci.tar", StringComparison.Ordinal))
            throw new ScanFailedException($"{archive}: Trivy 0.44 cannot read oci-archive tars; export a docker-archive instead.");
    }

    static void RequireDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new ScanFailedException($"{directory}: no such directory to scan.");
    }

    static void Ensure(ToolResult result, string output, string what, string expected)
    {
        if (result.Succeeded && File.Exists(output)) return;
        var said = result.LastErrorLine == "(no output)" ? "without saying why" : result.LastErrorLine;
        throw new ScanFailedException($"{what} failed (exit {result.ExitCode}) {said}; the input must be {expected}.");
    }
}
