using System.Text.Json.Nodes;

namespace ClusterSnek.Record;

/// <summary>How a target ended.</summary>
public enum TargetStatus { NotRun, Succeeded, Failed, Skipped, Cached }

/// <summary>The run itself: its number in this checkout, what was asked, when, where, and how it ended.</summary>
public sealed record RunInfo(
    int Number, IReadOnlyList<string> Requested, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, long DurationMs, int? ExitCode,
    string? Commit, string? Branch, string Host, string User, string Os, string? Ci);

/// <summary>One row of targets[]: how the target ended, how long it took, and why (failure, skip or cache reason).</summary>
public sealed record TargetEntry(string Name, TargetStatus Status, long DurationMs, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    /// <summary>For a cached target: "local" (the checkout's own cache) or the shared cache entry it was taken from (ref@digest); else absent.</summary>
    public string? CachedFrom { get; init; }
}

/// <summary>A tool the run used: what, which version, from where.</summary>
public sealed record ToolUse(string Name, string Version, string Path);

/// <summary>A section this run did not write itself, taken from an earlier run's record (which run, when, at which commit).</summary>
public sealed record CarriedSection(string Section, string Writer, int Run, DateTimeOffset StartedAt, string? Commit);

/// <summary>Parameter values as the run saw them (secrets masked); any JSON value.</summary>
public sealed class ParameterValues : Dictionary<string, JsonNode?>
{
    public ParameterValues() : base(StringComparer.Ordinal) { }
}
