using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports;

/// <summary>The Markdown form of the report: always artifacts/report.md, and $GITHUB_STEP_SUMMARY inside GitHub Actions.</summary>
public static class JobSummary
{
    /// <summary>Writes the Markdown and returns where it went (a file, plus "job summary" on a runner).</summary>
    public static string Write(JsonNode pipeline, AbsolutePath file, Func<string, string?> environment, IReadOnlyList<Audit.AuditEntry>? audit = null)
    {
        var markdown = ReportRenderer.RenderMarkdown(pipeline, audit: audit);
        file.Parent.CreateDirectory();
        File.WriteAllText(file, markdown);
        if (environment("GITHUB_ACTIONS") == "true" && environment("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
        {
            File.AppendAllText(summary, markdown + Environment.NewLine);
            return $"{file.Name} + GitHub job summary";
        }
        return file.Name;
    }
}
