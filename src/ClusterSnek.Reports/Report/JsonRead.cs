using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Reports;

/// <summary>Forgiving reads of pipeline.json: a missing, null or oddly typed field is "absent", never an exception.</summary>
internal static class JsonRead
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var name in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(name, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path)
    {
        var value = node.At(path);
        if (value is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        };
    }

    public static long? Long(this JsonNode? node, params string[] path)
    {
        var value = node.At(path);
        if (value is not JsonValue v) return null;
        if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d)) return (long)d;
        return v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), CultureInfo.InvariantCulture, out var l) ? l : null;
    }

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonValue>().Select(v => v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : [];

    public static DateTimeOffset? Time(this JsonNode? node, params string[] path) =>
        DateTimeOffset.TryParse(node.Str(path), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;

    /// <summary>First string among several accepted field names (stages name things slightly differently).</summary>
    public static string? FirstStr(this JsonNode? node, params string[] names) =>
        names.Select(n => node.Str(n)).FirstOrDefault(s => !string.IsNullOrEmpty(s));

    public static string Size(long? bytes) => bytes switch
    {
        null => "",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes / 1024.0 / 1024.0:0.0} MiB",
    };

    public static string Duration(long? ms) => ms switch
    {
        null => "",
        < 1000 => $"{ms} ms",
        < 60_000 => $"{ms / 1000.0:0.0} s",
        _ => $"{ms / 60_000} min {ms % 60_000 / 1000} s",
    };

    public static string ShortDigest(string? digest) =>
        digest is null ? "" : digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length > 19 ? digest[..19] : digest;
}
