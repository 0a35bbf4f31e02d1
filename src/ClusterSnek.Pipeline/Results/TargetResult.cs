using ClusterSnek.Record;

namespace ClusterSnek.Pipeline;

/// <summary>One row of the summary and of pipeline.json's targets[].</summary>
public sealed record TargetResult(string Name, TargetStatus Status, TimeSpan Duration, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    /// <summary>For a cached target: "local" (this checkout's cache), or the shared cache entry it was taken from (ref@digest).</summary>
    public string? CachedFrom { get; init; }
}
