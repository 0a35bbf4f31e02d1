using ClusterSnek.Record;

namespace ClusterSnek.Pipeline;

/// <summary>One row of the summary and of pipeline.json's targets[].</summary>
public sealed record TargetResult(string Name, TargetStatus Status, TimeSpan Duration, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);
