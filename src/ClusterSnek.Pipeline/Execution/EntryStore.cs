using System.Text;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>
/// The local side of the shared cache (<c>.nuke/cache/entries</c>): entries this checkout fetched or wrote, each kept as its entry
/// text (sealed with the cache key, like every local entry) and its outputs' archive, so a switch back to earlier inputs restores
/// them without the network. Bounded: over <see cref="Limit"/> bytes, the least recently used entries are deleted first.
/// </summary>
internal sealed class EntryStore(AbsolutePath directory, CacheKey seal, long limit)
{
    public long Limit => limit;
    readonly HashSet<string> usedThisRun = [];

    static string Name(string target, string key) => $"{target}-{key}";
    AbsolutePath EntryFile(string target, string key) => directory / (Name(target, key) + ".entry");
    AbsolutePath ArchiveFile(string target, string key) => directory / (Name(target, key) + ".tar.gz");

    /// <summary>The kept entry for this target and key, when its seal verifies (its archive's digest is inside the seal); else null.</summary>
    public SharedCacheHit? TryTake(string target, string key)
    {
        var file = EntryFile(target, key);
        if (!File.Exists(file)) return null;
        var lines = File.ReadAllText(file).Split('\n', 3);
        var archive = ArchiveFile(target, key);
        var outputs = File.Exists(archive) ? File.ReadAllBytes(archive) : null;
        if (lines.Length < 3 || lines[1] != (outputs is null ? "-" : OutputArchive.Digest(outputs))
            || !seal.Verifies(lines[1] + "\n" + lines[2], lines[0]))
        {
            Log.Warning("Kept cache entry {File} was changed outside the pipeline (its seal does not verify): deleted", file.Value);
            Delete(Name(target, key));
            return null;
        }
        Touch(target, key);
        return new SharedCacheHit(Encoding.UTF8.GetBytes(lines[2]), outputs, ".nuke/cache/entries/" + Name(target, key));
    }

    public void Put(string target, string key, byte[] entry, byte[]? outputs)
    {
        directory.CreateDirectory();
        var text = (outputs is null ? "-" : OutputArchive.Digest(outputs)) + "\n" + Encoding.UTF8.GetString(entry);
        if (outputs is not null) Write(ArchiveFile(target, key), outputs);
        else if (File.Exists(ArchiveFile(target, key))) File.Delete(ArchiveFile(target, key));
        Write(EntryFile(target, key), Encoding.UTF8.GetBytes(seal.Seal(text) + "\n" + text));
        Touch(target, key);
        Evict();
    }

    static void Write(AbsolutePath file, byte[] content)
    {
        File.WriteAllBytes(file + ".tmp", content);
        File.Move(file + ".tmp", file, overwrite: true);
    }

    void Touch(string target, string key)
    {
        usedThisRun.Add(Name(target, key));
        foreach (var file in new[] { EntryFile(target, key), ArchiveFile(target, key) })
            if (File.Exists(file)) File.SetLastWriteTimeUtc(file, DateTime.UtcNow);
    }

    void Delete(string name)
    {
        foreach (var suffix in new[] { ".entry", ".tar.gz" })
            if (File.Exists(directory / (name + suffix))) File.Delete(directory / (name + suffix));
    }

    /// <summary>
    /// Deletes the least recently used entries (by the time they were last written or taken) until the kept ones fit the limit;
    /// entries this run used stay. Returns how many were deleted.
    /// </summary>
    public int Evict()
    {
        if (!Directory.Exists(directory)) return 0;
        var entries = Directory.EnumerateFiles(directory)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .GroupBy(f => Path.GetFileName(f) is var n && n.EndsWith(".tar.gz", StringComparison.Ordinal) ? n[..^7] : Path.GetFileNameWithoutExtension(n))
            .Select(g => (Name: g.Key, Size: g.Sum(f => new FileInfo(f).Length), Used: g.Max(File.GetLastWriteTimeUtc)))
            .OrderBy(e => e.Used).ToList();
        var total = entries.Sum(e => e.Size);
        var deleted = 0;
        foreach (var entry in entries)
        {
            if (total <= limit) break;
            if (usedThisRun.Contains(entry.Name)) continue;
            Delete(entry.Name);
            total -= entry.Size;
            deleted++;
        }
        if (deleted > 0) Log.Information("Cache: deleted {Count} least recently used kept entries to stay under {Limit} MB", deleted, limit / (1024 * 1024));
        return deleted;
    }

    /// <summary>The bytes kept (entries and archives).</summary>
    public long Size => Directory.Exists(directory) ? Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length) : 0;
}
