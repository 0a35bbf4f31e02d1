using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Policies;

/// <summary>One Kubernetes document of a manifests file: its resource id and the lines it spans.</summary>
public sealed record ManifestDocument(string File, string Kind, string Namespace, string Name, int StartLine, int EndLine)
{
    public string Resource => $"{Kind}/{Namespace}/{Name}";
}

/// <summary>The documents of the scanned files, so a built-in check's line number can be named as a resource.</summary>
public sealed class ManifestIndex(IReadOnlyList<ManifestDocument> documents)
{
    public IReadOnlyList<ManifestDocument> Documents { get; } = documents;

    /// <summary>The document holding this line; trivy reports a document-level finding on its '---' line, one above the document.</summary>
    public ManifestDocument? At(string file, int line) =>
        Documents.FirstOrDefault(d => d.File == file && line >= d.StartLine && line < d.EndLine)
        ?? Documents.FirstOrDefault(d => d.File == file && d.StartLine == line + 1);

    /// <summary>Parses every .yaml/.yml/.json file under <paramref name="root"/>; a YAML error names file and line.</summary>
    public static ManifestIndex Build(string root)
    {
        var files = File.Exists(root) ? [root]
            : Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList()
            : throw new PolicyInputException($"{root}: no such file or folder. --manifests takes a Kubernetes YAML file or a folder of them.");
        var documents = new List<ManifestDocument>();
        foreach (var file in files)
        {
            var relative = File.Exists(root) ? Path.GetFileName(file) : Path.GetRelativePath(root, file);
            YamlStream stream;
            try { using var reader = new StreamReader(file); stream = ClusterSnek.Stack.YamlText.Load(reader); }
            catch (ClusterSnek.Stack.YamlSyntaxException e)
            {
                throw new PolicyInputException($"{file}:{e.Line}:{e.Column}: not valid YAML ({e.Reason}). trivy would skip or reject it silently.");
            }
            var inFile = new List<ManifestDocument>();
            foreach (var doc in stream.Documents)
            {
                if (doc.RootNode is not YamlMappingNode map) continue;
                string? Get(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
                var kind = Get(map, "kind");
                if (kind is null) continue;
                var meta = map.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? m as YamlMappingNode : null;
                var name = meta is null ? "(unnamed)" : Get(meta, "name") ?? "(unnamed)";
                var ns = meta is null ? "default" : Get(meta, "namespace") ?? (kind == "Namespace" ? name : "default");
                inFile.Add(new ManifestDocument(relative, kind, ns, name, (int)doc.RootNode.Start.Line, int.MaxValue));
            }
            // A document runs until the next one starts (YamlDotNet's end marks stop at the last scalar, not the last line).
            for (var i = 0; i < inFile.Count; i++)
                documents.Add(i + 1 < inFile.Count ? inFile[i] with { EndLine = inFile[i + 1].StartLine - 1 } : inFile[i]);
        }
        if (documents.Count == 0)
            throw new PolicyInputException($"{root}: no Kubernetes documents (YAML with 'kind:') found; nothing to check.");
        return new ManifestIndex(documents);
    }
}
