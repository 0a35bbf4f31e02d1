using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Charts;

/// <summary>Checks a values file before helm sees it: helm's own message for a YAML error does not name the file's line reliably.</summary>
public static class ValuesFile
{
    /// <summary>Throws <see cref="ChartInputException"/> naming file and line when the file is missing, not YAML, or not a mapping.</summary>
    public static void Check(string path)
    {
        if (!File.Exists(path))
            throw new ChartInputException($"values file {path}: no such file. Check the path given to --values or clustersnek.yaml environments.*.values.");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ChartInputException($"values file {path}:{e.Start.Line}:{e.Start.Column}: not valid YAML ({FirstLine(e.InnerException?.Message ?? e.Message)}). Fix the YAML syntax there.");
        }
        if (stream.Documents.Count > 1)
            throw new ChartInputException($"values file {path}: has {stream.Documents.Count} YAML documents; a values file is one mapping.");
        if (stream.Documents.Count == 1 && stream.Documents[0].RootNode is not YamlMappingNode and not YamlScalarNode { Value: null or "" })
        {
            var root = stream.Documents[0].RootNode;
            throw new ChartInputException($"values file {path}:{root.Start.Line}:{root.Start.Column}: the top level must be a mapping of keys (e.g. 'backend:'), not a {root.NodeType.ToString().ToLowerInvariant()}.");
        }
    }

    static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
