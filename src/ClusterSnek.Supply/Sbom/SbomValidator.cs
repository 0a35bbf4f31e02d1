using System.Text.Json;
using Json.Schema;

namespace ClusterSnek.Supply.Sbom;

/// <summary>Validates CycloneDX 1.5 JSON against the vendored schema (bom-1.5 with its spdx and jsf references), offline.</summary>
public static class SbomValidator
{
    static readonly Lazy<JsonSchema> Bom = new(Build);

    static JsonSchema Build()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        // Referenced schemas first: bom-1.5 points at them by their $id (http://cyclonedx.org/schema/...).
        JsonSchema.FromText(Read("spdx.schema.json"), options);
        JsonSchema.FromText(Read("jsf-0.82.schema.json"), options);
        return JsonSchema.FromText(Read("bom-1.5.schema.json"), options);
    }

    static string Read(string name)
    {
        using var stream = typeof(SbomValidator).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The CycloneDX schema {name} is not embedded in ClusterSnek.Supply.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The schema errors of a document as "instance location: message" lines; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { return [$"not JSON: {e.Message}"]; }
        using var _ = doc;
        var result = Bom.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } l ? l : "/")}: {e.Value}"))
            .Distinct().ToList();
        return errors.Count > 0 ? errors : ["does not match the CycloneDX 1.5 schema"];
    }
}
