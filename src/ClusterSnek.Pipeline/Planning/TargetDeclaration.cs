namespace ClusterSnek.Pipeline;

/// <summary>A target as declared, by name: read by generators (CI workflows) that distribute the same graph elsewhere.</summary>
public sealed record TargetDeclaration(
    string Name,
    string? Description,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> After,
    IReadOnlyList<string> Triggers,
    bool AlwaysLast,
    bool Unlisted)
{
    /// <summary>The declared targets of a build class, in declaration order; throws <see cref="UsageException"/> on a cycle.</summary>
    public static IReadOnlyList<TargetDeclaration> Of(PipelineBuild build) =>
        TargetGraph.Discover(build).Nodes.Select(n => new TargetDeclaration(
            n.Name,
            n.Description,
            n.Dependencies.Select(d => d.Name).ToList(),
            n.After.Select(d => d.Name).ToList(),
            n.Triggers.Select(d => d.Name).ToList(),
            n.IsFinally,
            n.Definition.IsUnlisted)).ToList();
}
