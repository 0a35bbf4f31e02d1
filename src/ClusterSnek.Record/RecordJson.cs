using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterSnek.Record;

/// <summary>How the record is written and read: camelCase, enums as kebab-case words, nulls written, required fields enforced.</summary>
public static class RecordJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower), new ImageReferenceJsonConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
