using ClusterSnek.Pipeline;
using ClusterSnek.Record;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports;

/// <summary>The Markdown form of the report: always artifacts/report.md, and $GITHUB_STEP_SUMMARY inside GitHub Actions.</summary>
public static class JobSummary
{
    /// <summary>Writes the Markdown and returns where it went (a file, plus "job summary" on a runner).</summary>
    public static string Write(PipelineDocument doc, string path, Func<string, string?> environment, IReadOnlyList<AuditEntry> audit)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var file = new AbsolutePath(path);
        var markdown = ReportRenderer.RenderMarkdown(doc, audit: audit);
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
