using System.Text.RegularExpressions;

namespace ClusterSnek.Pipeline;

/// <summary>Expands root-relative globs (<c>**</c>, <c>*</c>, <c>?</c>) into files, never entering build output or VCS folders.</summary>
public static class Glob
{
    static readonly HashSet<string> Ignored = ["bin", "obj", ".git", "node_modules", ".vs", ".idea"];

    public static IReadOnlyList<string> Files(AbsolutePath root, IEnumerable<string> globs)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var glob in globs)
        {
            var normalized = glob.Replace('\\', '/').TrimStart('/');
            var parts = normalized.Split('/');
            var fixedParts = parts.TakeWhile(p => p.IndexOfAny(['*', '?']) < 0).ToArray();
            var baseDir = Path.Combine([root.Value, .. fixedParts]);
            if (fixedParts.Length == parts.Length)
            {
                if (File.Exists(baseDir)) result.Add(normalized);
                else if (Directory.Exists(baseDir)) Walk(root, baseDir, null, result);
                continue;
            }
            Walk(root, baseDir, ToRegex(normalized), result);
        }
        return result.ToList();
    }

    static void Walk(AbsolutePath root, string dir, Regex? pattern, SortedSet<string> result)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (pattern is null || pattern.IsMatch(rel)) result.Add(rel);
        }
        foreach (var sub in Directory.EnumerateDirectories(dir))
            if (!Ignored.Contains(Path.GetFileName(sub))) Walk(root, sub, pattern, result);
    }

    internal static Regex ToRegex(string glob)
    {
        var rx = Regex.Escape(glob)
            .Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
        return new Regex("^" + rx + "$", RegexOptions.CultureInvariant);
    }
}
