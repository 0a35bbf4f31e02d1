using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Scanning;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Supply.Sbom;

/// <summary>
/// The Sbom stage: a CycloneDX 1.5 JSON SBOM per image from Trivy (OS packages and .NET packages), validated against the
/// vendored schema, counted; the result is pipeline.json's sbom section.
/// </summary>
public sealed class SbomStage(Trivy trivy, Skopeo skopeo, AbsolutePath root, AbsolutePath output)
{
    public static string FileFor(AbsolutePath output, ImageEntry image) => output / (image.FileName + ".cdx.json");

    /// <summary>
    /// The version of what this stage adds to Trivy's SBOM (metadata.tools' clustersnek-sbom-dotnet entry). An SBOM already
    /// written for the same digest by the same version is kept as it is: an unchanged image is not exported and read again.
    /// Raise it whenever the stage writes something different.
    /// </summary>
    public const string ToolVersion = "2";

    public async Task<SbomRecord> RunAsync(IReadOnlyList<ImageEntry> images, CancellationToken cancellation = default)
    {
        output.CreateDirectory();
        var results = await Task.WhenAll(images.Select(i => OneAsync(i, cancellation)));
        foreach (var s in results)
            Log.Information("{Service}: SBOM {Path}: {Components} components, {Licences} licences (CycloneDX {Spec}, schema-valid)",
                s.Service, s.Path, s.Components, s.Licences.Count, s.SpecVersion);
        return new SbomRecord(results);
    }

    async Task<SbomSummary> OneAsync(ImageEntry entry, CancellationToken cancellation)
    {
        var image = entry.Staged.Image; // the staging copy (same digest as the release)
        var work = (output / "work").CreateDirectory();
        var archive = work / (entry.FileName + ".docker.tar");
        var file = FileFor(output, entry);
        if (Existing(file, entry.Digest.Value) is { } kept)
        {
            Log.Information("{Service}: the SBOM for {Digest} is already written ({File}); kept", entry.Service, entry.Digest.Value[..19], file);
            return Summarize(entry, file, kept);
        }
        IReadOnlyList<(string Path, string Json)> deps;
        try
        {
            await skopeo.ExportDockerArchiveAsync(image.ToString(), archive, tlsVerify: !image.IsLoopback, cancellation);
            await trivy.SbomAsync(archive, file, cancellation);
            deps = DotNetComponents.DepsFiles(archive);
        }
        finally { if (File.Exists(archive)) File.Delete(archive); }

        var bom = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellation))!.AsObject();
        // Trivy names the component after the tar it read and says "dev" for its own version; the SBOM names the image
        // (name, digest, purl) and the tools' real versions, and lists the .NET runtime Trivy skips.
        DotNetComponents.Describe(bom, entry.Reference, entry.Digest.Value, entry.Pinned.Image.ToString(), trivy.Tool.Pin.Version, ToolVersion);
        var added = DotNetComponents.AddTo(bom, deps);
        Log.Debug("{Service}: {Added} .NET components added from {Files}", entry.Service, added, string.Join(", ", deps.Select(d => d.Path)));
        var json = bom.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(file, json, cancellation);

        var errors = SbomValidator.Validate(json);
        if (errors.Count > 0)
            throw new ScanFailedException($"{entry.Service}: the SBOM {file} does not match the CycloneDX 1.5 schema: {string.Join("; ", errors.Take(5))}");
        return Summarize(entry, file, bom);
    }

    SbomSummary Summarize(ImageEntry entry, string file, JsonObject bom)
    {
        var (components, licences) = Count(bom);
        return new SbomSummary(entry.Service, entry.Digest, new AbsolutePath(file).RelativeTo(root), "CycloneDX",
            bom["specVersion"]?.GetValue<string>() ?? "?", components, licences);
    }

    /// <summary>The SBOM at <paramref name="file"/> when this stage's version wrote it for <paramref name="digest"/> and it is still schema-valid.</summary>
    static JsonObject? Existing(string file, string digest)
    {
        if (!File.Exists(file)) return null;
        var json = File.ReadAllText(file);
        JsonObject? bom;
        try { bom = JsonNode.Parse(json) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
        var ours = (bom?["metadata"]?["tools"] as JsonArray)?.OfType<JsonObject>()
            .Any(t => t["name"]?.ToString() == DotNetComponents.ToolName && t["version"]?.ToString() == ToolVersion) == true;
        return ours && bom?["metadata"]?["component"]?["version"]?.ToString() == digest && SbomValidator.Validate(json).Count == 0 ? bom : null;
    }

    /// <summary>Counts components (nested ones too) and distinct licences (SPDX id, name, or expression).</summary>
    public static (int Components, IReadOnlyList<string> Licences) Count(JsonObject bom)
    {
        var licences = new SortedSet<string>(StringComparer.Ordinal);
        var count = 0;
        void Walk(JsonArray? components)
        {
            foreach (var c in components ?? [])
            {
                count++;
                foreach (var l in c?["licenses"] as JsonArray ?? [])
                {
                    var name = l?["license"]?["id"]?.GetValue<string>() ?? l?["license"]?["name"]?.GetValue<string>() ?? l?["expression"]?.GetValue<string>();
                    if (!string.IsNullOrWhiteSpace(name)) licences.Add(name);
                }
                Walk(c?["components"] as JsonArray);
            }
        }
        Walk(bom["components"] as JsonArray);
        return (count, licences.ToList());
    }
}
