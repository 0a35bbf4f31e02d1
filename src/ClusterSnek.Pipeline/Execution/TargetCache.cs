using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Content-hash cache: a target whose input files and values hash as last time, and whose outputs still exist,
/// is not run again; the sections it recorded in pipeline.json are restored instead. Every entry is sealed with an
/// HMAC-SHA256 under a key outside the checkout (<see cref="CacheKey"/>): an entry edited by anything but the pipeline
/// (or written under another key) is refused, said in one line, and the target runs. Without a key nothing is replayed.
/// </summary>
internal sealed class TargetCache(AbsolutePath root, AbsolutePath directory, CacheKey? key)
{
    static readonly JsonSerializerOptions Canonical = new();

    sealed record FileStamp(long Size, long MtimeTicks, string Sha256);
    sealed record Entry(string Key, Dictionary<string, JsonNode> Sections, Dictionary<string, FileStamp> Files);

    public string ComputeKey(string target, TargetDefinition definition, out Dictionary<string, string> fileHashes)
    {
        var previous = Load(target, out _)?.Files ?? [];
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
        var entry = Load(target, out var refusal);
        if (refusal is not null) Log.Warning("{Refusal}", refusal);
        if (entry is null || entry.Key != key) return null;
        foreach (var output in definition.OutputPaths.SelectMany(o => o()))
            if (!(root / output).Exists) return null;
        return entry.Sections;
    }

    public void Store(string target, string cacheKey, IReadOnlyDictionary<string, JsonNode> sections, Dictionary<string, string> fileHashes)
    {
        if (key is null) return;
        var files = fileHashes.ToDictionary(kv => kv.Key, kv =>
        {
            var info = new FileInfo(root / kv.Key);
            return new FileStamp(info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc.Ticks : 0, kv.Value);
        });
        directory.CreateDirectory();
        // Redacted before serializing (escaping would hide a secret from a text search) and after.
        var node = Redactor.RedactValues(JsonSerializer.SerializeToNode(new Entry(cacheKey, sections.ToDictionary(), files), RunRecord.Json));
        var entry = JsonNode.Parse(Redactor.Redact(node!.ToJsonString(RunRecord.Json)))!;
        // The seal covers the entry as it is written (after redaction), in one canonical form that Load reproduces.
        var sealedEntry = new JsonObject { ["mac"] = key.Seal(entry.ToJsonString(Canonical)), ["entry"] = entry };
        var file = directory / (target + ".json");
        File.WriteAllText(file + ".tmp", sealedEntry.ToJsonString(RunRecord.Json));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    public void Invalidate(string target)
    {
        var file = directory / (target + ".json");
        if (File.Exists(file)) File.Delete(file);
    }

    /// <summary>The entry when its seal verifies; else null, with the one line that says why it was refused.</summary>
    Entry? Load(string target, out string? refusal)
    {
        refusal = null;
        var file = directory / (target + ".json");
        if (!File.Exists(file) || key is null) return null;
        var name = file.IsInside(root) ? file.RelativeTo(root) : file.Value;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(file)) is not JsonObject { } wrapper || wrapper["entry"] is not JsonObject entry
                || wrapper["mac"]?.GetValueKind() != JsonValueKind.String)
            {
                refusal = $"cache entry {name} is not sealed (written before cache integrity, or by something else): running {target}";
                return null;
            }
            if (!key.Verifies(entry.ToJsonString(Canonical), wrapper["mac"]!.GetValue<string>()))
            {
                refusal = $"cache entry {name} was modified outside the pipeline: running {target}";
                return null;
            }
            return entry.Deserialize<Entry>(RunRecord.Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            refusal = $"cache entry {name} is not a cache entry ({e.Message.Split('\n')[0]}): running {target}";
            return null;
        }
    }
}
