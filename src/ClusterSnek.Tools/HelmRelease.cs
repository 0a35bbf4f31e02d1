namespace ClusterSnek.Tools;

/// <summary>Settings of <c>helm upgrade --install</c> (the cluster path of Deploy).</summary>
public sealed record HelmUpgradeSettings
{
    public required string Release { get; init; }
    public required string Chart { get; init; }
    public required string Namespace { get; init; }
    public string? KubeContext { get; init; }
    public IReadOnlyList<string> ValuesFiles { get; init; } = [];
    public IReadOnlyDictionary<string, string> SetValues { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    public int HistoryMax { get; init; } = 10;
}

/// <summary>
/// Typed helm calls on a live release (install/upgrade, status, manifest, rollback, test). Separate from <see cref="Helm"/>,
/// which renders and packages charts without a cluster.
/// </summary>
public sealed class HelmRelease(ResolvedTool tool) : ToolWrapper(tool)
{
    /// <summary>Helm 4 renamed <c>--atomic</c>; the flag of the major version this binary is.</summary>
    public string RollbackOnFailureFlag => Tool.Major >= 4 ? "--rollback-on-failure" : "--atomic";

    static IEnumerable<string> Context(string? context) => context is null ? [] : ["--kube-context", context];

    static string Seconds(TimeSpan t) => $"{(int)Math.Ceiling(t.TotalSeconds)}s";

    /// <summary>The full argument list of the upgrade, exposed so tests can check it without a cluster.</summary>
    public IReadOnlyList<string> UpgradeArguments(HelmUpgradeSettings s) =>
    [
        "upgrade", "--install", s.Release, s.Chart, "--namespace", s.Namespace, .. Context(s.KubeContext),
        .. s.ValuesFiles.SelectMany(f => new[] { "--values", f }),
        .. s.SetValues.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => new[] { "--set-string", $"{kv.Key}={kv.Value}" }),
        RollbackOnFailureFlag, "--wait", "--timeout", Seconds(s.Timeout), "--history-max", s.HistoryMax.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    public Task<ToolResult> UpgradeInstallAsync(HelmUpgradeSettings settings, CancellationToken cancellation = default) =>
        // Ctrl-C reaches helm as SIGINT, and it gets time to roll back (--rollback-on-failure) instead of being killed mid-upgrade,
        // which would leave the release pending-upgrade and refuse the next upgrade ("another operation is in progress").
        RunAsync(UpgradeArguments(settings), new ToolCallOptions
        {
            RequireSuccess = false, Timeout = settings.Timeout + TimeSpan.FromMinutes(1), GracefulCancellation = settings.Timeout,
        }, cancellation);

    /// <summary><c>helm status -o json</c>; null when the release does not exist.</summary>
    public async Task<string?> StatusJsonAsync(string release, string @namespace, string? context, CancellationToken cancellation = default)
    {
        var r = await RunAsync(["status", release, "--namespace", @namespace, .. Context(context), "--output", "json"], new ToolCallOptions { RequireSuccess = false }, cancellation);
        if (r.Succeeded) return r.StandardOutput;
        return r.StandardError.Contains("not found", StringComparison.OrdinalIgnoreCase) ? null
            : throw new ToolFailedException(r, $"helm status {release} failed (exit {r.ExitCode}): {r.LastErrorLine}");
    }

    /// <summary>The manifests the deployed revision applied (hooks excluded).</summary>
    public async Task<string> GetManifestAsync(string release, string @namespace, string? context, CancellationToken cancellation = default) =>
        (await RunAsync(["get", "manifest", release, "--namespace", @namespace, .. Context(context)], null, cancellation)).StandardOutput;

    public Task<ToolResult> RollbackAsync(string release, string @namespace, string? context, int? revision, TimeSpan timeout, CancellationToken cancellation = default) =>
        RunAsync(["rollback", release, .. revision is null ? Array.Empty<string>() : [revision.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "--namespace", @namespace, .. Context(context), "--wait", "--timeout", Seconds(timeout)], new ToolCallOptions { RequireSuccess = false }, cancellation);

    public Task<ToolResult> TestAsync(string release, string @namespace, string? context, TimeSpan timeout, CancellationToken cancellation = default) =>
        RunAsync(["test", release, "--namespace", @namespace, .. Context(context), "--timeout", Seconds(timeout), "--logs"],
            new ToolCallOptions { RequireSuccess = false }, cancellation);
}
