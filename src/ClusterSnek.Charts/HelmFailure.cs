using System.Text.RegularExpressions;
using ClusterSnek.Tools;

namespace ClusterSnek.Charts;

/// <summary>
/// Turns helm's multi-line errors into one line that keeps the reason. Helm 4 puts the template position on the error line and the
/// reason on indented lines below it ("[ERROR] templates/: c/templates/quota.yaml:7:19" / "  executing ... at &lt;.Values.quota.cpu&gt;:" /
/// "    nil pointer evaluating interface {}.cpu"); schema violations list the chart on one line and the field on the next.
/// </summary>
public static partial class HelmFailure
{
    public static string Describe(ToolResult result)
    {
        var entries = Entries(result.StandardError + "\n" + result.StandardOutput);
        // "Error: 1 chart(s) linted, 1 chart(s) failed" only counts what the entries above it say.
        var specific = entries.Where(e => !LintTally().IsMatch(e)).ToList();
        var lines = specific.Count > 0 ? specific : entries;
        return lines.Count == 0 ? result.LastErrorLine : string.Join(" ", lines.Distinct().Select(Explain));
    }

    /// <summary>Each error or warning with its indented continuation lines joined on; progress and hints dropped.</summary>
    static List<string> Entries(string output)
    {
        var entries = new List<string>();
        var open = false;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (open && char.IsWhiteSpace(line[0]))
            {
                entries[^1] += " " + text;
                continue;
            }
            open = false;
            if (text.StartsWith("level=", StringComparison.Ordinal) || text.StartsWith("Use --debug", StringComparison.Ordinal)
                || text.StartsWith("WARNING", StringComparison.Ordinal) || text.StartsWith("[INFO]", StringComparison.Ordinal)
                || text.StartsWith("==>", StringComparison.Ordinal) || text.EndsWith("linted, 0 chart(s) failed", StringComparison.Ordinal))
                continue;
            entries.Add(text.StartsWith("Error: ", StringComparison.Ordinal) ? text["Error: ".Length..] : text);
            open = true;
        }
        return entries;
    }

    /// <summary>A nil pointer in a template means a value it reads is not set: say which one, and the two ways out.</summary>
    static string Explain(string entry) =>
        NilPointer().Match(entry) is { Success: true } m
            ? $"{entry} ({m.Groups["parent"].Value} is not set: give it a value in the values file, "
              + "or guard the template with 'with' or 'default')"
            : entry;

    [GeneratedRegex(@"^\d+ chart\(s\) linted, \d+ chart\(s\) failed$")]
    private static partial Regex LintTally();

    [GeneratedRegex(@"at <(?<parent>\.[\w.]+)\.\w+>: nil pointer evaluating")]
    private static partial Regex NilPointer();
}
