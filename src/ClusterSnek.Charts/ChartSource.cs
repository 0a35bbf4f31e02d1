using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Charts;

/// <summary>A chart folder as checked before helm runs: its name, version and local (file://) dependencies.</summary>
public sealed record ChartSource(string Directory, string Name, string Version, IReadOnlyList<ChartDependency> Dependencies)
{
    /// <summary>Reads Chart.yaml and checks every file:// dependency exists, with a message naming the missing subchart.</summary>
    public static ChartSource Load(string directory)
    {
        var chartFile = Path.Combine(directory, "Chart.yaml");
        if (!File.Exists(chartFile))
            throw new ChartInputException($"chart {directory}: no Chart.yaml. Check clustersnek.yaml chart.path.");
        YamlStream stream;
        try { using var reader = new StreamReader(chartFile); stream = ClusterSnek.Stack.YamlText.Load(reader); }
        catch (ClusterSnek.Stack.YamlSyntaxException e)
        {
            throw new ChartInputException($"{chartFile}:{e.Line}: not valid YAML ({e.Reason}).");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ChartInputException($"{chartFile}: empty or not a mapping.");
        var name = Scalar(root, "name") ?? throw new ChartInputException($"{chartFile}: 'name' is missing.");
        var version = Scalar(root, "version") ?? throw new ChartInputException($"{chartFile}: 'version' is missing.");
        var dependencies = new List<ChartDependency>();
        if (root.Children.TryGetValue(new YamlScalarNode("dependencies"), out var deps) && deps is YamlSequenceNode list)
            foreach (var item in list.OfType<YamlMappingNode>())
            {
                var dep = new ChartDependency(Scalar(item, "name") ?? "", Scalar(item, "version") ?? "", Scalar(item, "repository") ?? "", (int)item.Start.Line);
                if (dep.LocalPath(directory) is { } local && !File.Exists(Path.Combine(local, "Chart.yaml")))
                    throw new ChartInputException($"{chartFile}:{dep.Line}: subchart '{dep.Name}' points at {dep.Repository}, but {Path.GetFullPath(local)} has no Chart.yaml. Restore the subchart folder or remove the dependency.");
                dependencies.Add(dep);
            }
        return new ChartSource(directory, name, version, dependencies);
    }

    static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } ? text : null;
}

/// <summary>One entry of Chart.yaml dependencies.</summary>
public sealed record ChartDependency(string Name, string Version, string Repository, int Line)
{
    /// <summary>The folder of a file:// dependency, relative to the chart; null for a remote repository.</summary>
    public string? LocalPath(string chartDirectory) =>
        Repository.StartsWith("file://", StringComparison.Ordinal) ? Path.Combine(chartDirectory, Repository["file://".Length..]) : null;
}
