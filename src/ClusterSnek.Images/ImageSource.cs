using System.Globalization;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Images;

/// <summary>
/// Builds the <see cref="SourceInfo"/> of a run: where the source lives, the commit, and SOURCE_DATE_EPOCH (the commit's time),
/// none of which depends on the folder, the machine or the clock, so two checkouts of one commit label their images alike.
/// </summary>
public static class ImageSource
{
    public static SourceInfo FromRun(AbsolutePath root, string? commit, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var source = environment("GITHUB_SERVER_URL") is { Length: > 0 } server && environment("GITHUB_REPOSITORY") is { Length: > 0 } repo
            ? $"{server}/{repo}"
            : Git(root, "config", "--get", "remote.origin.url") is { } remote ? NormalizeRemote(remote)
            // No remote: a folder path would make every checkout's images differ, so the source says only that it is local.
            : "local";
        var revision = commit is { Length: > 0 } ? commit : "unknown";
        return new SourceInfo(source, revision, SourceDateEpoch(root, revision, environment));
    }

    /// <summary>SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the commit's committer time, else 1970-01-01.</summary>
    public static DateTimeOffset SourceDateEpoch(AbsolutePath root, string revision, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("SOURCE_DATE_EPOCH") is { Length: > 0 } given)
            return long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : throw new UsageException($"SOURCE_DATE_EPOCH='{given}' is not a number of seconds since 1970; unset it or give e.g. $(git log -1 --format=%ct).");
        var time = revision == "unknown" ? null : Git(root, "log", "-1", "--format=%ct", revision);
        return time is not null && long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var ct)
            ? DateTimeOffset.FromUnixTimeSeconds(ct) : DateTimeOffset.UnixEpoch;
    }

    /// <summary>git@github.com:org/repo.git, https://github.com/org/repo.git and https://user@github.com/org/repo all become https://github.com/org/repo.</summary>
    public static string NormalizeRemote(string remote)
    {
        var url = remote.Trim();
        if (!url.Contains("://", StringComparison.Ordinal) && url.IndexOf(':') is var colon and > 0 && url[..colon].Contains('@', StringComparison.Ordinal))
            url = "https://" + url[(url.IndexOf('@') + 1)..colon] + "/" + url[(colon + 1)..];
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "git")
            url = "https://" + uri.Host + (uri.IsDefaultPort || uri.Scheme == "ssh" ? "" : ":" + uri.Port) + uri.AbsolutePath;
        else if (Uri.TryCreate(url, UriKind.Absolute, out var file) && file.IsFile || url.StartsWith('/'))
            return "local";
        return url.EndsWith(".git", StringComparison.Ordinal) ? url[..^4] : url.TrimEnd('/');
    }

    static string? Git(AbsolutePath root, params string[] args) => GitQuery.Read(root, args);
}
