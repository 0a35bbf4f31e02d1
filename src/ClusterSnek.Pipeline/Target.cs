namespace ClusterSnek.Pipeline;

/// <summary>A target: a build-class property whose body configures its definition.</summary>
public delegate ITargetDefinition Target(ITargetDefinition definition);
