namespace ClusterSnek.Tools;

/// <summary>Settings of <c>umoci config</c>.</summary>
public sealed record UmociConfigSettings
{
    public string? User { get; init; }
    public IReadOnlyList<string> Environment { get; init; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? WorkingDirectory { get; init; }
    public string Architecture { get; init; } = "amd64";
    public string Os { get; init; } = "linux";
    public DateTimeOffset? Created { get; init; }
}

/// <summary>Typed umoci calls: build an OCI layout from a root filesystem folder without a daemon.</summary>
public sealed class Umoci(ResolvedTool tool) : ToolWrapper(tool)
{
    public Task<ToolResult> InitAsync(string layout, CancellationToken cancellation = default) =>
        RunAsync(["init", "--layout", layout], null, cancellation);

    public Task<ToolResult> NewAsync(string image, CancellationToken cancellation = default) =>
        RunAsync(["new", "--image", image], null, cancellation);

    /// <summary>Adds <paramref name="directory"/> as one layer at <paramref name="target"/> inside the image.</summary>
    public Task<ToolResult> InsertAsync(string image, string directory, string target, CancellationToken cancellation = default) =>
        RunAsync(["insert", "--image", image, "--no-history", directory, target], null, cancellation);

    public Task<ToolResult> ConfigAsync(string image, Func<UmociConfigSettings, UmociConfigSettings> configure, CancellationToken cancellation = default)
    {
        var s = configure(new UmociConfigSettings());
        var args = new List<string> { "config", "--image", image, "--no-history", "--architecture", s.Architecture, "--os", s.Os };
        if (s.User is not null) args.AddRange(["--config.user", s.User]);
        foreach (var e in s.Environment) args.AddRange(["--config.env", e]);
        foreach (var (k, v) in s.Labels) args.AddRange(["--config.label", $"{k}={v}"]);
        if (s.WorkingDirectory is not null) args.AddRange(["--config.workingdir", s.WorkingDirectory]);
        if (s.Created is { } created) args.AddRange(["--created", created.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ")]);
        return RunAsync(args, null, cancellation);
    }
}
