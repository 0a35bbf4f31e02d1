using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Expands root-relative globs (<c>**</c>, <c>*</c>; a folder means every file under it) into files, case-sensitively,
/// never entering build output or VCS folders, nor what runs leave at the root (artifacts/, .nuke/temp, tools, cache) unless a glob
/// names it. Other dot-folders (.github) are matched like any other.
/// </summary>
public static class Glob
{
    static readonly string[] Ignored = ["bin", "obj", ".git", "node_modules", ".vs", ".idea"];

    // What runs leave at the root (records, registry storage, container storage with whole image trees, installed tools): a
    // "**" glob never means them, and walking them costs more than the rest of the repository. A glob naming one outright still does.
    static readonly string[] RunOutput = ["artifacts", ".nuke/temp", ".nuke/tools", ".nuke/cache"];

    /// <summary>The matching files, relative to <paramref name="root"/> with '/' separators, sorted ordinally (the cache hashes them in this order).</summary>
    public static IReadOnlyList<string> Files(AbsolutePath root, IEnumerable<string> globs)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        var named = new List<string>();
        var patterns = 0;
        foreach (var glob in globs)
        {
            var normalized = glob.Replace('\\', '/').TrimStart('/');
            if (normalized.Contains('?', StringComparison.Ordinal))
                throw new ArgumentException($"Input glob '{glob}': '?' is not supported; use '*' (any characters but '/') or '**' (any folders).", nameof(globs));
            var literal = !normalized.Contains('*', StringComparison.Ordinal);
            // A file named outright is taken as it is, even inside an ignored folder; a folder named outright means all of it.
            if (literal && File.Exists(Path.Combine(root.Value, normalized))) { named.Add(normalized); continue; }
            matcher.AddInclude(literal ? normalized.TrimEnd('/') + "/**" : normalized);
            patterns++;
        }
        foreach (var folder in Ignored) matcher.AddExclude($"**/{folder}/**");
        var globList = globs.Select(g => g.Replace('\\', '/').TrimStart('/')).ToList();
        foreach (var folder in RunOutput.Where(f => !globList.Any(g => g.StartsWith(f + "/", StringComparison.Ordinal) || g == f)))
            matcher.AddExclude(folder + "/**");
        var matched = patterns == 0 ? [] : matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root.Value))).Files.Select(f => f.Path.Replace('\\', '/'));
        return named.Concat(matched).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}
