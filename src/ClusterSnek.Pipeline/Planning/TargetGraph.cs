using System.Reflection;

namespace ClusterSnek.Pipeline;

/// <summary>Discovers the targets of a build class and turns a request into an ordered, validated plan.</summary>
internal sealed class TargetGraph
{
    public IReadOnlyList<TargetNode> Nodes { get; }
    readonly Dictionary<string, TargetNode> byName;

    TargetGraph(List<TargetNode> nodes)
    {
        Nodes = nodes;
        byName = nodes.ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
    }

    public static TargetGraph Discover(PipelineBuild build)
    {
        var properties = build.GetType()
            .GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.PropertyType == typeof(Target) && p.GetIndexParameters().Length == 0)
            .ToList();
        var byMethod = new Dictionary<MethodInfo, string>();
        var definitions = new List<(string Name, TargetDefinition Definition)>();
        foreach (var property in properties)
        {
            var target = (Target)property.GetValue(build)!;
            byMethod[target.Method] = property.Name;
        }
        foreach (var property in properties)
        {
            var definition = new TargetDefinition();
            ((Target)property.GetValue(build)!)(definition);
            definitions.Add((property.Name, definition));
        }

        var nodes = definitions.Select(d => new TargetNode(d.Name, d.Definition)).ToList();
        var lookup = nodes.ToDictionary(n => n.Name);
        TargetNode Resolve(Target t, string from) =>
            byMethod.TryGetValue(t.Method, out var name) ? lookup[name]
                : throw new UsageException($"Target {from} refers to a target that is not a property of {build.GetType().Name}.");

        foreach (var node in nodes)
        {
            var d = node.Definition;
            node.Dependencies.AddRange(d.Dependencies.Select(t => Resolve(t, node.Name)));
            node.After.AddRange(d.AfterTargets.Select(t => Resolve(t, node.Name)));
            node.Triggers.AddRange(d.TriggerTargets.Select(t => Resolve(t, node.Name)));
            node.IsFinally = d.IsAlwaysLast;
            foreach (var before in d.BeforeTargets.Select(t => Resolve(t, node.Name))) before.After.Add(node);
            foreach (var by in d.TriggeredByTargets.Select(t => Resolve(t, node.Name))) by.Triggers.Add(node);
            // A reader runs after the section's writer whenever both are in the run (ordering only: the writer is not pulled in).
            foreach (var section in d.ReadSections.Where(s => s.Writer != node.Name))
                node.After.Add(lookup.TryGetValue(section.Writer, out var writer) ? writer
                    : throw new UsageException($"Target {node.Name} reads the {section.Name} section, whose writer {section.Writer} is not a target of {build.GetType().Name}."));
        }
        var graph = new TargetGraph(nodes);
        graph.ThrowOnCycle();
        return graph;
    }

    public TargetNode Find(string name)
    {
        if (byName.TryGetValue(name, out var node)) return node;
        var suggestion = Nodes.Select(n => (n, d: ParameterBinder.Distance(n.Name.ToLowerInvariant(), name.ToLowerInvariant())))
            .OrderBy(x => x.d).First();
        var hint = suggestion.d <= 3 ? $" Did you mean {suggestion.n.Name}?" : "";
        throw new UsageException($"Unknown target '{name}'.{hint} Targets: {string.Join(", ", Listed.Select(n => n.Name))}.");
    }

    public IEnumerable<TargetNode> Listed => Nodes.Where(n => !n.Definition.IsUnlisted);

    /// <summary>Predecessors that must finish before the node starts (ordering only, not a reason to run).</summary>
    public static IEnumerable<TargetNode> OrderingPredecessors(TargetNode node, IReadOnlySet<TargetNode> scheduled, IReadOnlyList<TargetNode> all)
    {
        foreach (var d in node.Dependencies) if (scheduled.Contains(d)) yield return d;
        foreach (var a in node.After) if (scheduled.Contains(a)) yield return a;
        foreach (var t in all) if (t.Triggers.Contains(node) && scheduled.Contains(t)) yield return t;
        if (node.IsFinally)
            foreach (var other in scheduled) if (!other.IsFinally) yield return other;
    }

    void ThrowOnCycle()
    {
        var state = new Dictionary<TargetNode, int>();
        var stack = new List<TargetNode>();
        void Visit(TargetNode n)
        {
            state[n] = 1;
            stack.Add(n);
            foreach (var next in n.Dependencies.Concat(n.After).Concat(Nodes.Where(t => t.Triggers.Contains(n))))
            {
                var s = state.GetValueOrDefault(next);
                if (s == 1)
                {
                    var cycle = stack.SkipWhile(x => x != next).Select(x => x.Name).Append(next.Name);
                    throw new UsageException($"Target cycle: {string.Join(" -> ", cycle)}. Remove one of these DependsOn/After/Before/Triggers links.");
                }
                if (s == 0) Visit(next);
            }
            stack.RemoveAt(stack.Count - 1);
            state[n] = 2;
        }
        foreach (var n in Nodes) if (state.GetValueOrDefault(n) == 0) Visit(n);
    }

    /// <summary>The targets a request runs, in a valid order; skipped names stay in the plan, marked.</summary>
    public ExecutionPlan Plan(IReadOnlyList<string> requested, string[]? skip)
    {
        var invoked = requested.Select(Find).ToList();
        var skipAllDependencies = skip is { Length: 0 };
        var skipped = new HashSet<TargetNode>((skip ?? []).Select(Find));
        var scheduled = new HashSet<TargetNode>();
        var queue = new Queue<TargetNode>(invoked);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (!scheduled.Add(node)) continue;
            var passThrough = !skipped.Contains(node) && !(skipAllDependencies && !invoked.Contains(node));
            if (!passThrough) continue;
            foreach (var d in node.Dependencies) queue.Enqueue(d);
            foreach (var t in node.Triggers) queue.Enqueue(t);
        }
        // Finally targets (the report, the audit check) close every run; they bring no dependencies of their own.
        foreach (var f in Nodes.Where(n => n.IsFinally)) scheduled.Add(f);
        if (skipAllDependencies)
            foreach (var n in scheduled) if (!invoked.Contains(n) && !n.IsFinally) skipped.Add(n);

        var ordered = TopologicalOrder(scheduled);
        return new ExecutionPlan(ordered, invoked, skipped, this);
    }

    List<TargetNode> TopologicalOrder(HashSet<TargetNode> scheduled)
    {
        var index = Nodes.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var remaining = new HashSet<TargetNode>(scheduled);
        var ordered = new List<TargetNode>();
        while (remaining.Count > 0)
        {
            var wave = remaining.Where(n => OrderingPredecessors(n, scheduled, Nodes).All(p => !remaining.Contains(p)))
                .OrderBy(n => index[n]).ToList();
            if (wave.Count == 0) throw new UsageException("Target ordering cycle among: " + string.Join(", ", remaining));
            ordered.AddRange(wave);
            remaining.ExceptWith(wave);
        }
        return ordered;
    }
}

/// <summary>The ordered targets of one run, which of them were invoked, and which are skipped on request.</summary>
internal sealed record ExecutionPlan(IReadOnlyList<TargetNode> Ordered, IReadOnlyList<TargetNode> Invoked, IReadOnlySet<TargetNode> Skipped, TargetGraph Graph)
{
    public IReadOnlySet<TargetNode> Scheduled { get; } = Ordered.ToHashSet();

    public IEnumerable<TargetNode> Predecessors(TargetNode node) => TargetGraph.OrderingPredecessors(node, Scheduled, Graph.Nodes);

    /// <summary>Targets grouped into waves that may run side by side.</summary>
    public IReadOnlyList<IReadOnlyList<TargetNode>> Waves()
    {
        var level = new Dictionary<TargetNode, int>();
        foreach (var n in Ordered)
            level[n] = Predecessors(n).Select(p => level[p] + 1).DefaultIfEmpty(0).Max();
        return Ordered.GroupBy(n => level[n]).OrderBy(g => g.Key).Select(g => (IReadOnlyList<TargetNode>)g.ToList()).ToList();
    }
}
