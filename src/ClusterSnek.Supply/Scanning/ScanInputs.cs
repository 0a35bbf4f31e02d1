using System.Security.Cryptography;
using System.Text;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Supply.Scanning;

/// <summary>
/// Everything a Scan verdict depends on besides the images and flags, as cache-key values: a cached "passed" is replayed only
/// when the repository it scanned, the scanner, its vulnerability database and the day's exceptions are all unchanged.
/// </summary>
public static class ScanInputs
{
    // TrivyScanner.SkippedDirectories as trivy applies them: .git/.nuke/artifacts at the root, bin/obj/node_modules anywhere.
    static readonly HashSet<string> SkippedAtRoot = [".git", ".nuke", "artifacts"];
    static readonly HashSet<string> SkippedAnywhere = ["bin", "obj", "node_modules"];

    /// <summary>The files trivy fs and trivy config see in the repository, root-relative, in a stable order.</summary>
    public static IReadOnlyList<string> RepositoryFiles(AbsolutePath root)
    {
        var files = new List<string>();
        void Walk(string directory, bool atRoot)
        {
            foreach (var file in Directory.EnumerateFiles(directory))
                files.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
            foreach (var sub in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(sub);
                if (SkippedAnywhere.Contains(name) || atRoot && SkippedAtRoot.Contains(name)) continue;
                if (new DirectoryInfo(sub).LinkTarget is not null) continue; // trivy does not follow directory links
                Walk(sub, atRoot: false);
            }
        }
        Walk(root, atRoot: true);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>One sha256 over the path and content of every file the repository scan reads: a secret added anywhere changes it.</summary>
    public static string RepositoryDigest(AbsolutePath root)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in RepositoryFiles(root))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            try { sha.AppendData(SHA256.HashData(File.ReadAllBytes(root / file))); }
            catch (IOException) { sha.AppendData("unreadable"u8); }
            catch (UnauthorizedAccessException) { sha.AppendData("unreadable"u8); }
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// The scanner binary: the pinned one (installed under .nuke/tools, checksum-verified) by its version and checksum, the same in
    /// every checkout and on every machine; any other (--trivy-path, PATH) by version, path, size and modification time (trivy 0.44
    /// here prints "dev" as its version).
    /// </summary>
    public static string Scanner(ResolvedTool trivy)
    {
        if (trivy.Origin == ".nuke/tools" && trivy.Pin.Sha256 is { Length: > 0 } sha) return $"{trivy.Name} {trivy.Pin.Version} sha256:{sha}";
        var info = new FileInfo(trivy.Path);
        var identity = $"{trivy.Name} {trivy.Version} {trivy.Path}";
        return info.Exists ? $"{identity} {info.Length} {info.LastWriteTimeUtc.Ticks}" : identity;
    }

    /// <summary>The vulnerability database trivy would use (its metadata.json), or "offline" when there is none.</summary>
    public static string VulnerabilityDatabase(string cacheDirectory)
    {
        var metadata = Path.Combine(cacheDirectory, "db", "metadata.json");
        return File.Exists(metadata) ? "db " + File.ReadAllText(metadata).Trim() : "offline";
    }

    /// <summary>
    /// The first day an exception that is valid today stops being valid ("none" without any): the value changes the day an
    /// exception expires, so a cached pass never outlives the exception it relied on.
    /// </summary>
    public static string NearestExceptionExpiry(string exceptionsFile, DateOnly today)
    {
        if (!File.Exists(exceptionsFile)) return "none";
        try
        {
            var all = ExceptionsFile.Parse(File.ReadAllText(exceptionsFile), exceptionsFile, DateOnly.MinValue);
            var valid = all.Where(e => e.Expires >= today).ToList();
            var expired = all.Count - valid.Count;
            return valid.Count == 0 ? $"none valid ({expired} expired)"
                : $"{valid.Min(e => e.Expires).AddDays(1):yyyy-MM-dd} ({expired} expired)";
        }
        catch (ScanFailedException e) { return "malformed: " + e.Message; } // Scan itself fails on it, naming the line
    }
}
