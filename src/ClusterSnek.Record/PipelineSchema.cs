using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

namespace ClusterSnek.Record;

/// <summary>
/// docs/pipeline.schema.json, generated from <see cref="PipelineDocument"/>: required fields, nullability and enum words come
/// from the records themselves; objects allow no other properties, so a field a writer adds without a record fails validation.
/// </summary>
public static class PipelineSchema
{
    public const string RelativePath = "docs/pipeline.schema.json";

    public static string Generate()
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, schema) =>
            {
                var nullable = context.PropertyInfo?.IsGetNullable ?? false;
                if (context.TypeInfo.Type == typeof(Digest))
                    return new JsonObject { ["type"] = Types("string", nullable), ["pattern"] = "^sha256:[a-f0-9]{64}$" };
                if (context.TypeInfo.Type == typeof(ImageReference)) return new JsonObject { ["type"] = Types("string", nullable) };
                if (schema is not JsonObject node) return schema;
                if (context.TypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
                    && context.TypeInfo.Type != typeof(ParameterValues))
                    node["additionalProperties"] = false;
                return node;
            },
        };
        var schema = RecordJson.Options.GetJsonSchemaAsNode(typeof(PipelineDocument), exporter).AsObject();
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://clustersnek.dev/schemas/pipeline.schema.json",
            ["title"] = "ClusterSnek run record (artifacts/pipeline.json)",
            ["description"] = "Generated from src/ClusterSnek.Record (PipelineDocument) by ./build.sh GenerateSchemas; do not edit by hand.",
        };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            root[key] = value;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    static JsonNode Types(string type, bool nullable) => nullable ? new JsonArray(type, "null") : type;
}
