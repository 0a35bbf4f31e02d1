using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports;

/// <summary>Small pieces of the view model: string arrays, and the redaction of every string in it.</summary>
internal static class ModelJson
{
    public static JsonArray Array(IEnumerable<string?> items) => new(items.Select(i => (JsonNode?)i).ToArray());

    /// <summary>
    /// A copy with every string value passed through <see cref="Redactor"/> (keys are the model's own words). Redacting the
    /// serialized JSON instead would miss secrets with characters JSON escapes (<c>"</c>, <c>&lt;</c>, <c>+</c>, non-ASCII):
    /// the escaped text no longer matches the registered secret.
    /// </summary>
    public static JsonNode? Redacted(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Redacted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Redacted).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(Redactor.Redact(v.GetValue<string>())),
        _ => node.DeepClone(),
    };
}
