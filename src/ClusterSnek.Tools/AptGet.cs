namespace ClusterSnek.Tools;

/// <summary>apt-get/apt-cache as used to fetch Debian packages for the offline base image (downloads only; installs nothing).</summary>
public sealed class AptGet(ResolvedTool tool, ResolvedTool cache) : ToolWrapper(tool)
{
    /// <summary>apt-get and apt-cache from PATH, or a clear error naming what is missing.</summary>
    public static AptGet Resolve(string? aptGetPath = null, string? aptCachePath = null) =>
        new(Find("apt-get", aptGetPath), Find("apt-cache", aptCachePath));

    /// <summary>Candidate version of each package, or null when apt does not know it.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> CandidateVersionsAsync(IReadOnlyList<string> packages, CancellationToken cancellation = default)
    {
        var policy = new AptCache(cache);
        var output = await policy.PolicyAsync(packages, cancellation);
        var versions = packages.ToDictionary(p => p, _ => (string?)null);
        string? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && line.EndsWith(':')) current = line[..^1];
            else if (current is not null && line.Trim().StartsWith("Candidate:", StringComparison.Ordinal))
            {
                var v = line.Trim()["Candidate:".Length..].Trim();
                if (versions.ContainsKey(current)) versions[current] = v == "(none)" ? null : v;
            }
        }
        return versions;
    }

    public Task<ToolResult> UpdateAsync(CancellationToken cancellation = default) =>
        RunAsync(["-o", "DPkg::Lock::Timeout=300", "update", "-qq"], null, cancellation);

    /// <summary>Downloads the .deb of each package=version into <paramref name="directory"/>.</summary>
    public Task<ToolResult> DownloadAsync(IEnumerable<string> packageVersions, string directory, CancellationToken cancellation = default) =>
        RunAsync(["download", .. packageVersions], new ToolCallOptions { WorkingDirectory = directory }, cancellation);

    /// <summary>
    /// <c>apt-get update</c> with the apt configuration file <paramref name="aptConfig"/> (APT_CONFIG) instead of the host's:
    /// its own sources, keyring, lists and cache folders.
    /// </summary>
    public Task<ToolResult> UpdateWithAsync(string aptConfig, CancellationToken cancellation = default) =>
        RunAsync(["update", "-qq"], WithConfig(aptConfig), cancellation);

    /// <summary>
    /// <c>apt-get download --print-uris</c> under <paramref name="aptConfig"/>: one line per package, URL, file name, size and
    /// <c>SHA256:hex</c>, downloading nothing.
    /// </summary>
    public async Task<string> PrintDownloadUrisAsync(string aptConfig, IReadOnlyList<string> packages, CancellationToken cancellation = default) =>
        (await RunAsync(["download", "--print-uris", .. packages], WithConfig(aptConfig), cancellation)).StandardOutput;

    /// <summary>Every apt setting in effect under <paramref name="aptConfig"/> (<c>apt-config dump</c>), for checks of what apt reads.</summary>
    public async Task<string> DumpConfigAsync(string aptConfig, CancellationToken cancellation = default) =>
        (await new AptConfig(Find("apt-config", null)).RunDumpAsync(WithConfig(aptConfig), cancellation)).StandardOutput;

    /// <summary>The index files apt would fetch under <paramref name="aptConfig"/> (<c>apt-get indextargets</c>), one URI a line.</summary>
    public async Task<string> IndexTargetsAsync(string aptConfig, CancellationToken cancellation = default) =>
        (await RunAsync(["indextargets", "--format", "$(URI)"], WithConfig(aptConfig), cancellation)).StandardOutput;

    static ToolCallOptions WithConfig(string aptConfig) => new()
    {
        Environment = new Dictionary<string, string?> { ["APT_CONFIG"] = aptConfig, ["LC_ALL"] = "C" },
    };

    static ResolvedTool Find(string name, string? explicitPath)
    {
        var path = explicitPath ?? Toolchain.FindOnPath(name);
        if (path is null || !File.Exists(path))
            throw new ToolUnavailableException($"{name} not found{(explicitPath is null ? " on PATH" : $" at {explicitPath}")}: the base image is built offline from Debian packages, which needs apt ({name}). Run on Debian/Ubuntu (or a container of it).");
        var pin = new ToolPin(name, "any", new DebianSource("apt"), null, ["--version"]);
        return new ResolvedTool(pin, "any", path, explicitPath is null ? "PATH" : "explicit");
    }

    sealed class AptConfig(ResolvedTool tool) : ToolWrapper(tool)
    {
        public Task<ToolResult> RunDumpAsync(ToolCallOptions options, CancellationToken cancellation) => RunAsync(["dump"], options, cancellation);
    }

    sealed class AptCache(ResolvedTool tool) : ToolWrapper(tool)
    {
        public async Task<string> PolicyAsync(IReadOnlyList<string> packages, CancellationToken cancellation) =>
            (await RunAsync(["policy", .. packages], null, cancellation)).StandardOutput;
    }
}
