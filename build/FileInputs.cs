using System.Security.Cryptography;
using System.Text.RegularExpressions;

/// <summary>Cache inputs for files a glob cannot name (outside the repository, or chosen by a parameter).</summary>
static partial class FileInputs
{
    /// <summary>sha256 of a file, or of every file under a folder (path and content); "missing" when it does not exist.</summary>
    public static string Digest(string path)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string[] files = Directory.Exists(path) ? [.. Directory.GetFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : File.Exists(path) ? [path] : [];
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(path, file) + "\n"));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return files.Length > 0 ? Convert.ToHexStringLower(sha.GetHashAndReset()) : "missing";
    }

    /// <summary>The <c>expires:</c> dates in a file that lie before <paramref name="today"/>: a cached check is stale once one passes.</summary>
    public static IEnumerable<string> ExpiredDates(string path, DateOnly today) =>
        File.Exists(path) ? Expires().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value)
            .Where(d => DateOnly.TryParse(d, out var date) && date < today).Select(d => "expired:" + d) : [];

    [GeneratedRegex(@"expires:\s*[""']?(\d{4}-\d{2}-\d{2})")]
    private static partial Regex Expires();
}
