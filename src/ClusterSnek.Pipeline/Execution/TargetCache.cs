using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Content-hash cache: a target whose input files and values hash as last time, and whose outputs still exist,
/// is not run again; the sections it recorded in pipeline.json are restored instead.
/// </summary>
internal sealed class TargetCache(AbsolutePath root, AbsolutePath directory)
{
    sealed record FileStamp(long Size, long MtimeTicks, string Sha256);
    sealed record Entry(string Key, Dictionary<string, JsonNode> Sections, Dictionary<string, FileStamp> Files);

    public string ComputeKey(string target, TargetDefinition definition, out Dictionary<string, string> fileHashes)
    {
        var previous = Load(target)?.Files ?? [];
        fileHashes = new(StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Add("target:" + target);
        foreach (var file in Glob.Files(root, definition.InputGlobs))
        {
            var hash = HashFile(root / file, previous.GetValueOrDefault(file));
            fileHashes[file] = hash;
            Add($"file:{file}:{hash}");
        }
        foreach (var (values, text) in definition.InputValues)
            Add($"values:{text}:{string.Join('\u001f', values().Select(v => v ?? "<null>"))}");
        foreach (var output in definition.OutputPaths.SelectMany(o => o())) Add("output:" + output);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static string HashFile(AbsolutePath file, FileStamp? previous)
    {
        var info = new FileInfo(file);
        if (previous is not null && previous.Size == info.Length && previous.MtimeTicks == info.LastWriteTimeUtc.Ticks)
            return previous.Sha256;
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public IReadOnlyDictionary<string, JsonNode>? TryHit(string target, TargetDefinition definition, string key)
    {
        var entry = Load(target);
        if (entry is null || entry.Key != key) return null;
        foreach (var output in definition.OutputPaths.SelectMany(o => o()))
            if (!(root / output).Exists) return null;
        return entry.Sections;
    }

    public void Store(string target, string key, IReadOnlyDictionary<string, JsonNode> sections, Dictionary<string, string> fileHashes)
    {
        var files = fileHashes.ToDictionary(kv => kv.Key, kv =>
        {
            var info = new FileInfo(root / kv.Key);
            return new FileStamp(info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc.Ticks : 0, kv.Value);
        });
        directory.CreateDirectory();
        // Redacted before serializing (escaping would hide a secret from a text search) and after.
        var node = Redactor.RedactValues(JsonSerializer.SerializeToNode(new Entry(key, sections.ToDictionary(), files), RunRecord.Json));
        var text = Redactor.Redact(node!.ToJsonString(RunRecord.Json));
        File.WriteAllText(directory / (target + ".json"), text);
    }

    public void Invalidate(string target)
    {
        var file = directory / (target + ".json");
        if (File.Exists(file)) File.Delete(file);
    }

    Entry? Load(string target)
    {
        var file = directory / (target + ".json");
        if (!File.Exists(file)) return null;
        try { return JsonSerializer.Deserialize<Entry>(File.ReadAllText(file), RunRecord.Json); }
        catch (Exception e) when (e is JsonException or NotSupportedException) { return null; } // an entry of an older shape is a miss
    }
}
