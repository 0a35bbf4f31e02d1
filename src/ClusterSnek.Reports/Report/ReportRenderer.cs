using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
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

    /// <summary>The HTML report of a pipeline.json document.</summary>
    public static string RenderHtml(JsonNode pipeline, DateTimeOffset? now = null, IReadOnlyList<Audit.AuditEntry>? audit = null) =>
        Render(Html, ReportModel.From(pipeline, now, audit), HtmlEncoder.Default);

    /// <summary>The same content as GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY and PR comments.</summary>
    public static string RenderMarkdown(JsonNode pipeline, DateTimeOffset? now = null, IReadOnlyList<Audit.AuditEntry>? audit = null) =>
        Render(Markdown, ReportModel.From(pipeline, now, audit), NullEncoder.Default);

    static string Render(IFluidTemplate template, JsonObject model, TextEncoder encoder)
    {
        var context = new TemplateContext(model, Options);
        return Redactor.Redact(template.Render(context, encoder));
    }

    static string EscapeMarkdown(string text) => text
        .Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Reads pipeline.json (or an empty document when the run wrote none) and writes report.html next to it.</summary>
    public static AbsolutePath WriteReport(AbsolutePath pipelineJson, AbsolutePath reportHtml, IReadOnlyList<Audit.AuditEntry>? audit = null)
    {
        var pipeline = ReadPipeline(pipelineJson);
        reportHtml.Parent.CreateDirectory();
        var temp = reportHtml + ".tmp";
        File.WriteAllText(temp, RenderHtml(pipeline, audit: audit));
        File.Move(temp, reportHtml, overwrite: true);
        return reportHtml;
    }

    public static JsonNode ReadPipeline(AbsolutePath pipelineJson)
    {
        if (!File.Exists(pipelineJson)) return new JsonObject();
        try { return JsonNode.Parse(File.ReadAllText(pipelineJson)) ?? new JsonObject(); }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidOperationException($"{pipelineJson}: not valid JSON ({e.Message}); delete it and run again.");
        }
    }
}
