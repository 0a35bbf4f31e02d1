namespace ClusterSnek.Pipeline;

/// <summary>A discovered target: its name, its definition, and the names it relates to.</summary>
internal sealed class TargetNode(string name, TargetDefinition definition)
{
    public string Name { get; } = name;
    public TargetDefinition Definition { get; } = definition;
    public List<TargetNode> Dependencies { get; } = [];
    public List<TargetNode> After { get; } = [];
    public List<TargetNode> Triggers { get; } = [];
    public bool IsFinally { get; set; }
    public string? Description => Definition.DescriptionText;
    public override string ToString() => Name;
}
