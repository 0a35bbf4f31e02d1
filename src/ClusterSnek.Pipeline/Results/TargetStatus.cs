namespace ClusterSnek.Pipeline;

/// <summary>How a target ended.</summary>
public enum TargetStatus { NotRun, Succeeded, Failed, Skipped, Cached }

/// <summary>One row of the summary and of pipeline.json's targets[].</summary>
public sealed record TargetResult(string Name, TargetStatus Status, TimeSpan Duration, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>A tool the run used: what, which version, from where.</summary>
public sealed record ToolUse(string Name, string Version, string Path);
