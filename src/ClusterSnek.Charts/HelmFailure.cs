using ClusterSnek.Tools;

namespace ClusterSnek.Charts;

/// <summary>Turns helm's multi-line error (schema violations list the chart on one line and the field on the next) into one line.</summary>
public static class HelmFailure
{
    public static string Describe(ToolResult result)
    {
        var lines = result.StandardError.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("level=", StringComparison.Ordinal) && !l.StartsWith("Use --debug", StringComparison.Ordinal)
                        && !l.StartsWith("WARNING", StringComparison.Ordinal))
            .Select(l => l.StartsWith("Error: ", StringComparison.Ordinal) ? l["Error: ".Length..] : l)
            .ToList();
        return lines.Count == 0 ? result.LastErrorLine : string.Join(" ", lines);
    }
}
