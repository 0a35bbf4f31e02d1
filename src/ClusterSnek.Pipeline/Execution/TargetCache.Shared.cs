using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline;

/// <summary>The entry as it travels to the shared cache (and the local kept entries): self-describing, so a reader can check what it is about.</summary>
internal sealed partial class TargetCache
{
    public const string EntryFormat = "clustersnek.cache.entry/v1";

    /// <summary>
    /// The entry's bytes: format, target, key, what the target recorded (redacted), the hashes the key was computed from, and the
    /// declared outputs with their archive's digest (so whoever signs the entry signs the outputs too).
    /// </summary>
    public byte[] SharedEntry(string target, string key, IReadOnlyDictionary<string, JsonNode> sections, KeyParts parts,
        IReadOnlyList<string> outputs, byte[]? archive)
    {
        var entry = new JsonObject
        {
            ["format"] = EntryFormat,
            ["target"] = target,
            ["key"] = key,
            ["sections"] = Redactor.RedactValues(JsonSerializer.SerializeToNode(sections.ToDictionary(), RunRecord.Json)),
            ["files"] = JsonSerializer.SerializeToNode(parts.Files, RunRecord.Json),
            ["values"] = JsonSerializer.SerializeToNode(parts.Values, RunRecord.Json),
            ["outputs"] = new JsonObject
            {
                ["paths"] = new JsonArray([.. outputs.Select(o => (JsonNode)o)]),
                ["archive"] = archive is null ? null : OutputArchive.Digest(archive),
            },
        };
        return Encoding.UTF8.GetBytes(Redactor.Redact(entry.ToJsonString(RunRecord.Json)));
    }

    /// <summary>
    /// What a shared entry recorded, after checking it is about this target and key and that the archive is the one it names; the
    /// outputs are then written in place of the declared ones. Throws <see cref="SharedCacheRefusedException"/> when it is not.
    /// </summary>
    public IReadOnlyDictionary<string, JsonNode> Apply(string target, string key, IReadOnlyList<string> outputs, SharedCacheHit hit)
    {
        JsonObject entry;
        try { entry = JsonNode.Parse(hit.Entry) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException e) { throw new SharedCacheRefusedException($"it is not a cache entry ({e.Message.Split('\n')[0]})"); }
        if (entry["format"]?.GetValue<string>() != EntryFormat) throw new SharedCacheRefusedException($"it is not a {EntryFormat} entry");
        if (entry["target"]?.GetValue<string>() != target || entry["key"]?.GetValue<string>() != key)
            throw new SharedCacheRefusedException($"it is the entry of {entry["target"]} {Short(entry["key"]?.GetValue<string>())}, not of {target} {Short(key)}");
        var named = entry["outputs"]?["archive"]?.GetValue<string>();
        var actual = hit.Outputs is null ? null : OutputArchive.Digest(hit.Outputs);
        if (named != actual) throw new SharedCacheRefusedException($"its outputs archive is {actual ?? "missing"}, the entry names {named ?? "none"}");
        var paths = entry["outputs"]?["paths"]?.AsArray().Select(p => p!.GetValue<string>()).ToList() ?? [];
        if (!paths.SequenceEqual(outputs)) throw new SharedCacheRefusedException($"its outputs ({string.Join(", ", paths)}) are not this target's ({string.Join(", ", outputs)})");
        var sections = entry["sections"]?.Deserialize<Dictionary<string, JsonNode>>(RunRecord.Json)
            ?? throw new SharedCacheRefusedException("it records no sections");
        if (hit.Outputs is not null) OutputArchive.Unpack(root, outputs, hit.Outputs);
        return sections;
    }

    static string Short(string? key) => key is null ? "(no key)" : key.Length > 12 ? key[..12] + "…" : key;
}
