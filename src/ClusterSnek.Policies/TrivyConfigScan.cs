using ClusterSnek.Tools;

namespace ClusterSnek.Policies;

/// <summary>
/// <c>trivy config</c> with the project's policies and data, including passes (to count checks run).
/// The shared Trivy wrapper has no --config-data / --include-non-failures, so PolicyTest owns this call.
/// </summary>
public sealed class TrivyConfigScan(ResolvedTool tool) : ToolWrapper(tool)
{
    // trivy 0.44 prints "dev" as its version; newer releases renamed the flags.
    bool Legacy => Tool.Version is "dev" or "0.44.1" || Version.TryParse(Tool.Version, out var v) && v < new Version(0, 50);

    /// <summary>
    /// Runs one scan. Each run gets its own cache folder next to its output: trivy locks its cache database, so runs sharing one
    /// wait for each other, and a config scan caches nothing worth sharing.
    /// </summary>
    public async Task<string> RunAsync(string target, string policyDirectory, string dataDirectory, string output, CancellationToken cancellation = default)
    {
        var cacheDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "trivy-cache");
        var args = new List<string>
        {
            "config", "--cache-dir", cacheDirectory, Legacy ? "--skip-policy-update" : "--skip-check-update",
            "--format", "json", "--output", output, "--exit-code", "0", "--quiet", "--include-non-failures",
            Legacy ? "--config-policy" : "--config-check", policyDirectory,
            "--config-data", dataDirectory,
            Legacy ? "--policy-namespaces" : "--check-namespaces", "user",
            target,
        };
        var result = await RunAsync(args, new ToolCallOptions { RequireSuccess = false, Timeout = TimeSpan.FromMinutes(5) }, cancellation);
        // This trivy exits 1 without a word on bad input; inputs are checked before the call, so say what was scanned.
        if (!result.Succeeded || !File.Exists(output))
            throw new InvalidOperationException($"trivy config {target} failed (exit {result.ExitCode}) without a report{(result.StandardError.Trim().Length > 0 ? ": " + result.LastErrorLine : "")}. " +
                "Check that the manifests are valid YAML and the policies compile (run with --verbose for trivy's output).");
        return await File.ReadAllTextAsync(output, cancellation);
    }
}
