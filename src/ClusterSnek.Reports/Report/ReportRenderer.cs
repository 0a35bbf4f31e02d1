using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Record;
using ClusterSnek.Reports.Audit;
using Fluid;
using Fluid.Values;

namespace ClusterSnek.Reports;

/// <summary>Renders the report model with Fluid (Liquid): HTML auto-escaped, Markdown escaped by the `md` filter.</summary>
public static class ReportRenderer
{
    static readonly FluidParser Parser = new();
    static readonly TemplateOptions Options = CreateOptions();
    static readonly IFluidTemplate Html = Load("report.html.liquid");
    static readonly IFluidTemplate Markdown = Load("summary.md.liquid");

    static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions();
        options.Filters.AddFilter("md", (input, _, _) => new ValueTask<FluidValue>(new StringValue(EscapeMarkdown(input.ToStringValue()))));
        return options;
    }

    static IFluidTemplate Load(string name)
    {
        using var stream = typeof(ReportRenderer).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Template {name} is not embedded in {typeof(ReportRenderer).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var source = reader.ReadToEnd();
        return Parser.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"Template {name} does not parse: {error}");
    }

    /// <summary>The HTML report of a run record.</summary>
    public static string RenderHtml(PipelineDocument doc, DateTimeOffset? now = null, IReadOnlyList<AuditEntry>? audit = null) =>
        Render(Html, ReportModel.From(doc, now, audit), HtmlEncoder.Default);

    /// <summary>The same content as GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY and PR comments.</summary>
    public static string RenderMarkdown(PipelineDocument doc, DateTimeOffset? now = null, IReadOnlyList<AuditEntry>? audit = null) =>
        Render(Markdown, ReportModel.From(doc, now, audit), NullEncoder.Default);

    static string Render(IFluidTemplate template, JsonObject model, TextEncoder encoder)
    {
        var context = new TemplateContext(model, Options);
        return Redactor.Redact(template.Render(context, encoder));
    }

    static string EscapeMarkdown(string text) => text
        .Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Writes report.html for a run record (atomically: a reader never sees half a report) and returns its path.</summary>
    public static AbsolutePath WriteReport(PipelineDocument doc, string htmlPath, IReadOnlyList<AuditEntry> audit)
    {
        var html = new AbsolutePath(htmlPath);
        html.Parent.CreateDirectory();
        var temp = html + ".tmp";
        File.WriteAllText(temp, RenderHtml(doc, audit: audit));
        File.Move(temp, html, overwrite: true);
        return html;
    }
}
