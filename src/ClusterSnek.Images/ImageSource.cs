using ClusterSnek.Pipeline;

namespace ClusterSnek.Images;

/// <summary>Builds the <see cref="SourceInfo"/> of a run: the git remote (or the folder) and the commit.</summary>
public static class ImageSource
{
    public static SourceInfo FromRun(AbsolutePath root, string? commit)
    {
        var source = Environment.GetEnvironmentVariable("GITHUB_SERVER_URL") is { Length: > 0 } server && Environment.GetEnvironmentVariable("GITHUB_REPOSITORY") is { Length: > 0 } repo
            ? $"{server}/{repo}"
            // Without a remote, the honest source is the checkout the image was built from.
            : ReadRemote(root) ?? new Uri(root.Value + "/").AbsoluteUri;
        return new SourceInfo(source, commit is { Length: > 0 } ? commit : "unknown", DateTimeOffset.UtcNow);
    }

    static string? ReadRemote(AbsolutePath root)
    {
        var config = Path.Combine(root, ".git", "config");
        if (!File.Exists(config)) return null;
        var line = File.ReadLines(config).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("url = ", StringComparison.Ordinal));
        return line?["url = ".Length..];
    }
}
