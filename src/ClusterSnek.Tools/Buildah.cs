namespace ClusterSnek.Tools;

/// <summary>Typed buildah calls for services that bring their own Dockerfile (chroot isolation: no daemon, RUN works).</summary>
public sealed class Buildah(ResolvedTool tool, string? root = null, string? runRoot = null) : ToolWrapper(tool)
{
    IEnumerable<string> Storage => root is null ? [] : ["--root", root, "--runroot", runRoot ?? root + "-run", "--storage-driver", "vfs"];

    /// <summary><c>buildah bud</c>; with <paramref name="timestamp"/> (SOURCE_DATE_EPOCH) the created time and every file time of new layers are that time.</summary>
    public Task<ToolResult> BudAsync(string contextDirectory, string dockerfile, string tag, IReadOnlyDictionary<string, string> labels,
        DateTimeOffset? timestamp = null, CancellationToken cancellation = default) =>
        RunAsync([.. Storage, "bud", "--isolation", "chroot", "--format", "oci", "--tls-verify=false", "-f", dockerfile, "-t", tag,
            .. timestamp is { } t ? new[] { "--timestamp", t.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } : [],
            .. labels.SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" }), contextDirectory], null, cancellation);

    /// <summary>Pushes a local image to any transport (docker://, oci-archive:...).</summary>
    public Task<ToolResult> PushAsync(string image, string destination, bool tlsVerify, CancellationToken cancellation = default) =>
        RunAsync([.. Storage, "push", $"--tls-verify={(tlsVerify ? "true" : "false")}", image, destination], null, cancellation);

    public Task<ToolResult> RemoveImageAsync(string image, CancellationToken cancellation = default) =>
        RunAsync([.. Storage, "rmi", "--force", image], new ToolCallOptions { RequireSuccess = false }, cancellation);
}
