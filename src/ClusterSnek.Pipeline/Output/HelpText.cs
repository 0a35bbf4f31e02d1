namespace ClusterSnek.Pipeline;

/// <summary>The --help page: every listed target with its dependencies, every parameter with type, default and source.</summary>
internal static class HelpText
{
    public static void Write(TextWriter console, TargetGraph graph, IReadOnlyList<ParameterDescriptor> parameters, PipelineBuild build,
        IReadOnlyDictionary<string, ParameterSource> sources)
    {
        console.WriteLine("Usage: ./build.sh <Target> [<Target>...] [--parameter value...]");
        console.WriteLine();
        console.WriteLine("Targets:");
        var listed = InChainOrder(graph.Nodes).Where(n => !n.Definition.IsUnlisted).ToList();
        var width = listed.Max(n => n.Name.Length) + 2;
        foreach (var node in listed)
        {
            console.WriteLine($"  {node.Name.PadRight(width)}{node.Description}");
            var relations = new List<string>();
            if (node.Dependencies.Count > 0) relations.Add("depends on " + string.Join(", ", node.Dependencies));
            if (node.Triggers.Count > 0) relations.Add("triggers " + string.Join(", ", node.Triggers));
            if (node.Definition.IsAlwaysLast) relations.Add("runs last in every run");
            else if (node.Definition.Assured) relations.Add("runs even after a failure");
            if (node.Definition.IsCacheable) relations.Add("cached");
            if (relations.Count > 0) console.WriteLine($"  {"".PadRight(width)}({string.Join("; ", relations)})");
        }
        console.WriteLine();
        console.WriteLine("Parameters (CLI > environment CLUSTERSNEK_<NAME> > .nuke/parameters.json > default):");
        var rows = parameters.Select(p => (
            Flag: p.Flag,
            Type: p.TypeName + (p.IsSecret ? ", secret" : ""),
            Value: p.IsSecret ? (p.GetValue(build) is null ? "" : Redactor.Mask) : Format(p.GetValue(build)),
            Source: sources.TryGetValue(p.Name, out var s) ? SourceName(s) : "default",
            p.Description)).ToList();
        var flagWidth = rows.Max(r => r.Flag.Length) + 2;
        foreach (var r in rows)
        {
            var value = r.Value.Length == 0 ? "" : $" = {r.Value} ({r.Source})";
            console.WriteLine($"  {r.Flag.PadRight(flagWidth)}<{r.Type}>{value}");
            console.WriteLine($"  {"".PadRight(flagWidth)}{r.Description}");
        }
    }

    /// <summary>Dependencies before dependents, otherwise declaration order; closing targets last: the chain as it runs.</summary>
    static List<TargetNode> InChainOrder(IReadOnlyList<TargetNode> nodes)
    {
        var ordered = new List<TargetNode>();
        var seen = new HashSet<TargetNode>();
        void Visit(TargetNode n)
        {
            if (!seen.Add(n)) return;
            foreach (var d in n.Dependencies.Concat(n.After)) Visit(d);
            ordered.Add(n);
        }
        foreach (var n in nodes.Where(n => !n.IsFinally)) Visit(n);
        foreach (var n in nodes.Where(n => n.IsFinally)) Visit(n);
        return ordered;
    }

    static string SourceName(ParameterSource s) => s switch
    {
        ParameterSource.CommandLine => "command line",
        ParameterSource.Environment => "environment",
        ParameterSource.ParametersFile => ".nuke/parameters.json",
        _ => "default",
    };

    internal static string Format(object? value) => value switch
    {
        null => "",
        string[] a => string.Join(",", a),
        Array a => string.Join(",", a.Cast<object>()),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "",
    };
}
