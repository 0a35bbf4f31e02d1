namespace ClusterSnek.Record;

/// <summary>A top-level section of pipeline.json: its property name, the one target that writes it, and its type.</summary>
public interface ISection
{
    /// <summary>The property name in pipeline.json.</summary>
    string Name { get; }

    /// <summary>The only target allowed to write the section; readers are ordered after it in a run.</summary>
    string Writer { get; }

    Type ValueType { get; }
}

/// <summary>A typed section: <c>Run.Get(Sections.Images)</c> returns the same type BuildImages recorded with <c>Run.Set</c>.</summary>
public sealed record Section<T>(string Name, string Writer) : ISection where T : class
{
    public Type ValueType => typeof(T);

    public override string ToString() => $"{Name} (written by {Writer})";
}
