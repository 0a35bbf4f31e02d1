using ClusterSnek.Pipeline;

namespace ClusterSnek.Supply;

/// <summary>A check the engine runs before any target: null when satisfied, else the one-line usage error.</summary>
public sealed record Check(string Name, Func<string?> Evaluate) : IRequirement
{
    string? IRequirement.Check() => Evaluate();
}
