using System.Text.Json;

namespace ClusterSnek.Tools;

/// <summary>What <c>skopeo inspect</c> reports about an image.</summary>
public sealed record SkopeoImage(string Digest, IReadOnlyDictionary<string, string> Labels, string Architecture, string Os);

/// <summary>Typed skopeo calls: copy between transports (oci:, oci-archive:, docker://, docker-archive:) and inspect.</summary>
public sealed class Skopeo(ResolvedTool tool) : ToolWrapper(tool)
{
    /// <summary>Copies an image; <paramref name="authFile"/> (a containers-auth.json) carries credentials off the command line.</summary>
    public Task<ToolResult> CopyAsync(string source, string destination, bool tlsVerify, string? authFile = null, CancellationToken cancellation = default) =>
        RunAsync(["copy", "--quiet", $"--src-tls-verify={Bool(tlsVerify)}", $"--dest-tls-verify={Bool(tlsVerify)}",
            .. authFile is null ? Array.Empty<string>() : ["--authfile", authFile], source, destination], null, cancellation);

    public async Task<SkopeoImage> InspectAsync(string reference, bool tlsVerify, string? authFile = null, CancellationToken cancellation = default)
    {
        var result = await RunAsync(["inspect", $"--tls-verify={Bool(tlsVerify)}", .. AuthArgs(authFile), reference], null, cancellation);
        using var doc = JsonDocument.Parse(result.StandardOutput);
        var root = doc.RootElement;
        var labels = root.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object
            ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : new Dictionary<string, string>();
        return new SkopeoImage(root.GetProperty("Digest").GetString()!, labels,
            root.TryGetProperty("Architecture", out var a) ? a.GetString() ?? "" : "", root.TryGetProperty("Os", out var o) ? o.GetString() ?? "" : "");
    }

    /// <summary>
    /// Exports an image to a docker-archive tar, the form trivy 0.44 reads (not an oci-archive: it exits 1 on that silently).
    /// <paramref name="tlsVerify"/> applies to the source registry.
    /// </summary>
    public async Task ExportDockerArchiveAsync(string image, string file, bool tlsVerify, CancellationToken cancellation = default)
    {
        if (File.Exists(file)) File.Delete(file);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var result = await RunAsync(["copy", "--quiet", .. tlsVerify ? Array.Empty<string>() : ["--src-tls-verify=false"],
            "docker://" + image, "docker-archive:" + file], new ToolCallOptions { RequireSuccess = false, Timeout = TimeSpan.FromMinutes(10) }, cancellation);
        if (!result.Succeeded || !File.Exists(file) || new FileInfo(file).Length == 0)
            throw new ToolFailedException(result, $"{image}: skopeo could not export the image to a docker-archive (exit {result.ExitCode}): {result.LastErrorLine}");
    }

    /// <summary>The manifest exactly as the registry stores it (its sha256 is the digest).</summary>
    public async Task<string> InspectRawAsync(string reference, bool tlsVerify, string? authFile = null, CancellationToken cancellation = default) =>
        (await RunAsync(["inspect", "--raw", $"--tls-verify={Bool(tlsVerify)}", .. AuthArgs(authFile), reference], null, cancellation)).StandardOutput;

    static string[] AuthArgs(string? authFile) => authFile is null ? [] : ["--authfile", authFile];

    static string Bool(bool value) => value ? "true" : "false";
}
