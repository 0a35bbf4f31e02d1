using ClusterSnek.Stack;
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
        YamlStream stream;
        try
        {
            using var reader = new StreamReader(path);
            stream = YamlText.Load(reader);
        }
        catch (YamlSyntaxException e)
        {
            throw new ChartInputException(
                $"values file {path}:{e.Line}:{e.Column}: not valid YAML ({e.Reason}). Fix the YAML syntax there.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ChartInputException($"values file {path}: cannot be read ({e.Message.TrimEnd('.')}). Make it readable by this user.");
        }
        if (stream.Documents.Count > 1)
            throw new ChartInputException($"values file {path}: has {stream.Documents.Count} YAML documents; a values file is one mapping.");
        if (stream.Documents.Count == 1 && stream.Documents[0].RootNode is not YamlMappingNode and not YamlScalarNode { Value: null or "" })
        {
            var root = stream.Documents[0].RootNode;
            throw new ChartInputException($"values file {path}:{root.Start.Line}:{root.Start.Column}: the top level must be a mapping of keys (e.g. 'backend:'), not a {root.NodeType.ToString().ToLowerInvariant()}.");
        }
    }
}
