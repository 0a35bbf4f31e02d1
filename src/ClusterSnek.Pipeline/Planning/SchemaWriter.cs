using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Pipeline;

/// <summary>Generates .nuke/build.schema.json (JSON Schema for parameters.json) from the build class.</summary>
public static class SchemaWriter
{
    public static string Generate(Type buildType, IEnumerable<string> targetNames)
    {
        var targets = new JsonArray(targetNames.Order(StringComparer.Ordinal).Select(n => (JsonNode)n).ToArray());
        var properties = new JsonObject { ["$schema"] = new JsonObject { ["type"] = "string" } };
        foreach (var p in ParameterDescriptor.Discover(buildType).Where(p => !p.IsSecret))
            properties[p.Name] = Describe(p, targets);
        var schema = new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["title"] = "ClusterSnek build parameters (.nuke/parameters.json)",
            ["description"] = "Generated from the build class; secret parameters are not allowed in this file.",
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    static JsonObject Describe(ParameterDescriptor p, JsonArray targets)
    {
        var node = Type(p.ValueType, p.Name is "Skip" or "Target" ? targets : null);
        node["description"] = p.Description;
        // The same range the binder enforces, so an editor flags a bad value in parameters.json before a run does.
        if (p.ValueType == typeof(int) && p.Minimum != int.MinValue) node["minimum"] = p.Minimum;
        if (p.ValueType == typeof(int) && p.Maximum != int.MaxValue) node["maximum"] = p.Maximum;
        return node;
    }

    static JsonObject Type(Type t, JsonArray? targets)
    {
        if (t.IsArray) return new JsonObject { ["type"] = "array", ["items"] = Type(t.GetElementType()!, targets) };
        if (t.IsEnum) return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Enum.GetNames(t).Select(n => (JsonNode)n).ToArray()) };
        if (t == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (t == typeof(int)) return new JsonObject { ["type"] = "integer" };
        if (targets is not null) return new JsonObject { ["type"] = "string", ["enum"] = targets.DeepClone() };
        return new JsonObject { ["type"] = "string" };
    }

    internal static void WriteIfChanged(Type buildType, TargetGraph graph, AbsolutePath file)
    {
        var text = Generate(buildType, graph.Nodes.Select(n => n.Name));
        if (File.Exists(file) && File.ReadAllText(file) == text) return;
        file.Parent.CreateDirectory();
        File.WriteAllText(file, text);
    }
}
