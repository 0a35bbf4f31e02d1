using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace ClusterSnek.Supply.Sbom;

/// <summary>
/// What Trivy 0.44 leaves out of a .NET image's SBOM: it skips <c>runtimepack</c> entries of a self-contained app's
/// <c>.deps.json</c>, so the bundled .NET runtime (and every assembly of it) would be invisible to a vulnerability scan of
/// the SBOM. This reads every <c>*.deps.json</c> in the image's layers and adds, per library (runtime pack, package or the
/// app's own project), a component with a purl, holding one nested component per shipped file (purl subpath = the file).
/// </summary>
public static class DotNetComponents
{
    public const string DepsFileProperty = "clustersnek:dotnet:deps.json";

    /// <summary>The name this step has in metadata.tools.</summary>
    public const string ToolName = "clustersnek-sbom-dotnet";

    /// <summary>Every <c>*.deps.json</c> in a docker-archive tar (skopeo's docker-archive: manifest.json naming layer tars), by path in the image.</summary>
    public static IReadOnlyList<(string Path, string Json)> DepsFiles(string dockerArchive)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var file = File.OpenRead(dockerArchive))
        using (var tar = new TarReader(file))
            while (tar.GetNextEntry() is { } entry)
                if (entry.DataStream is not null)
                {
                    using var copy = new MemoryStream();
                    entry.DataStream.CopyTo(copy);
                    entries[entry.Name] = copy.ToArray();
                }
        if (!entries.TryGetValue("manifest.json", out var manifestBytes))
            throw new InvalidOperationException($"{dockerArchive}: no manifest.json; expected a docker-archive tar.");
        var layers = JsonNode.Parse(manifestBytes)![0]!["Layers"]!.AsArray().Select(l => l!.GetValue<string>());
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            var bytes = entries[layer];
            using Stream stream = bytes is [0x1f, 0x8b, ..] ? new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress) : new MemoryStream(bytes);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                var path = "/" + entry.Name.TrimStart('.', '/');
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && path.EndsWith(".deps.json", StringComparison.Ordinal) && entry.DataStream is not null)
                    found[path] = new StreamReader(entry.DataStream).ReadToEnd(); // a later layer's file replaces an earlier one
            }
        }
        return found.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>The components of one deps.json: each library of the runtime target, its files nested.</summary>
    public static IReadOnlyList<JsonObject> Of(string depsJson, string pathInImage)
    {
        var deps = JsonNode.Parse(depsJson)!.AsObject();
        var targetName = deps["runtimeTarget"]?["name"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"{pathInImage}: no runtimeTarget.name");
        var target = deps["targets"]?[targetName] as JsonObject ?? throw new InvalidOperationException($"{pathInImage}: no target '{targetName}'");
        var libraries = deps["libraries"] as JsonObject ?? [];
        var components = new List<JsonObject>();
        foreach (var (key, value) in target)
        {
            var slash = key.LastIndexOf('/');
            var (id, version) = (key[..slash], key[(slash + 1)..]);
            var type = libraries[key]?["type"]?.GetValue<string>() ?? "package";
            var name = type == "runtimepack" && id.StartsWith("runtimepack.", StringComparison.Ordinal) ? id["runtimepack.".Length..] : id;
            var purl = type == "project" ? $"pkg:generic/{Uri.EscapeDataString(name)}@{Uri.EscapeDataString(version)}" : $"pkg:nuget/{Uri.EscapeDataString(name)}@{Uri.EscapeDataString(version)}";
            var files = new JsonArray();
            foreach (var (kind, componentType) in new[] { ("runtime", "library"), ("native", "file") })
                foreach (var (path, info) in value?[kind] as JsonObject ?? [])
                {
                    var fileName = path[(path.LastIndexOf('/') + 1)..];
                    var file = new JsonObject
                    {
                        ["type"] = componentType,
                        ["bom-ref"] = $"{purl}#{fileName}",
                        ["name"] = componentType == "library" && fileName.EndsWith(".dll", StringComparison.Ordinal) ? fileName[..^4] : fileName,
                        ["version"] = info?["assemblyVersion"]?.GetValue<string>() ?? info?["fileVersion"]?.GetValue<string>() ?? version,
                        ["purl"] = $"{purl}#{Uri.EscapeDataString(fileName)}",
                    };
                    if (info?["fileVersion"]?.GetValue<string>() is { } fileVersion)
                        file["properties"] = new JsonArray(new JsonObject { ["name"] = "clustersnek:dotnet:fileVersion", ["value"] = fileVersion });
                    files.Add(file);
                }
            components.Add(new JsonObject
            {
                ["type"] = type switch { "runtimepack" => "framework", "project" => "application", _ => "library" },
                ["bom-ref"] = purl,
                ["name"] = name,
                ["version"] = version,
                ["purl"] = purl,
                ["properties"] = new JsonArray(
                    new JsonObject { ["name"] = DepsFileProperty, ["value"] = pathInImage },
                    new JsonObject { ["name"] = "clustersnek:dotnet:libraryType", ["value"] = type }),
                ["components"] = files,
            });
        }
        return components;
    }

    /// <summary>
    /// Adds the components of every deps.json to the BOM: a library Trivy already lists (same purl) gets its files nested; the
    /// others (the runtime packs, the app's own project) are added whole.
    /// </summary>
    public static int AddTo(JsonObject bom, IEnumerable<(string Path, string Json)> depsFiles)
    {
        var list = bom["components"] as JsonArray ?? (JsonArray)(bom["components"] = new JsonArray());
        var byPurl = list.OfType<JsonObject>().Where(c => c["purl"] is not null).GroupBy(c => c["purl"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.First());
        var added = 0;
        foreach (var (path, json) in depsFiles)
            foreach (var component in Of(json, path))
            {
                var purl = component["purl"]!.GetValue<string>();
                if (byPurl.TryGetValue(purl, out var existing))
                {
                    if (existing["components"] is null) existing["components"] = component["components"]!.DeepClone();
                    continue;
                }
                list.Add(component);
                byPurl[purl] = component;
                added++;
            }
        return added;
    }

    /// <summary>metadata.component as the image (name, version = digest, an OCI purl) and metadata.tools with real versions.</summary>
    public static void Describe(JsonObject bom, string repository, string digest, string imageName, string trivyVersion, string clusterSnekVersion)
    {
        var metadata = bom["metadata"] as JsonObject ?? (JsonObject)(bom["metadata"] = new JsonObject());
        var component = metadata["component"] as JsonObject ?? (JsonObject)(metadata["component"] = new JsonObject { ["type"] = "container" });
        component["name"] = imageName;
        component["version"] = digest;
        var lastSegment = repository[(repository.LastIndexOf('/') + 1)..];
        component["purl"] = $"pkg:oci/{Uri.EscapeDataString(lastSegment)}@{Uri.EscapeDataString(digest)}?repository_url={Uri.EscapeDataString(repository)}";
        var tools = metadata["tools"] as JsonArray ?? (JsonArray)(metadata["tools"] = new JsonArray());
        foreach (var tool in tools.OfType<JsonObject>().Where(t => t["name"]?.GetValue<string>() == "trivy" && t["version"]?.GetValue<string>() is null or "dev"))
            tool["version"] = trivyVersion;
        tools.Add(new JsonObject { ["vendor"] = "ClusterSnek", ["name"] = ToolName, ["version"] = clusterSnekVersion });
    }

}
