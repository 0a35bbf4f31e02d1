namespace ClusterSnek.Pipeline;

/// <summary>Marks a field or property of the build class as a parameter: CLI, environment, or .nuke/parameters.json.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ParameterAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>Another environment variable read for this parameter (e.g. "CI"), after CLUSTERSNEK_NAME.</summary>
    public string? EnvironmentVariable { get; init; }

    /// <summary>The smallest number a given value may be (checked when bound, before anything runs, under --plan too).</summary>
    public int Minimum { get; init; } = int.MinValue;

    /// <summary>The largest number a given value may be.</summary>
    public int Maximum { get; init; } = int.MaxValue;

    /// <summary>A given path must name an existing file or folder.</summary>
    public bool MustExist { get; init; }
}

/// <summary>Marks a parameter whose value is redacted from every log, report and artifact.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
