using System.Net;
using System.Text;

namespace ClusterSnek.Pipeline;

/// <summary>--plan output: the waves as text, and artifacts/plan.html with the graph as inline SVG.</summary>
internal static class PlanPage
{
    public static void WriteText(TextWriter console, ExecutionPlan plan)
    {
        console.WriteLine("Execution plan (targets on one line may run in parallel):");
        var i = 1;
        foreach (var wave in plan.Waves())
        {
            var names = wave.Select(n => plan.Skipped.Contains(n) ? $"{n.Name} (skipped)" : n.Name);
            console.WriteLine($"  {i++}. {string.Join("  ||  ", names)}");
        }
    }

    public static AbsolutePath Write(ExecutionPlan plan, AbsolutePath file)
    {
        const int boxWidth = 150, boxHeight = 34, columnGap = 70, rowGap = 18, margin = 20;
        var waves = plan.Waves();
        var position = new Dictionary<TargetNode, (int X, int Y)>();
        for (var c = 0; c < waves.Count; c++)
            for (var r = 0; r < waves[c].Count; r++)
                position[waves[c][r]] = (margin + c * (boxWidth + columnGap), margin + r * (boxHeight + rowGap));
        var width = margin * 2 + Math.Max(1, waves.Count) * (boxWidth + columnGap);
        var height = margin * 2 + Math.Max(1, waves.Max(w => w.Count)) * (boxHeight + rowGap);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"target graph\">");
        svg.Append("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#667\"/></marker></defs>");
        foreach (var node in plan.Ordered)
            foreach (var pred in plan.Predecessors(node).Where(p => !node.IsFinally || p.IsFinally || !plan.Ordered.Any(o => !o.IsFinally && plan.Predecessors(o).Contains(p))))
            {
                var (x1, y1) = position[pred];
                var (x2, y2) = position[node];
                var dashed = node.Dependencies.Contains(pred) ? "" : " stroke-dasharray=\"4 3\"";
                svg.Append($"<line x1=\"{x1 + boxWidth}\" y1=\"{y1 + boxHeight / 2}\" x2=\"{x2}\" y2=\"{y2 + boxHeight / 2}\" stroke=\"#667\"{dashed} marker-end=\"url(#arrow)\"/>");
            }
        foreach (var node in plan.Ordered)
        {
            var (x, y) = position[node];
            var fill = plan.Skipped.Contains(node) ? "#ddd" : plan.Invoked.Contains(node) ? "#cde8ff" : "#f4f6fa";
            var name = WebUtility.HtmlEncode(node.Name);
            svg.Append($"<g><title>{WebUtility.HtmlEncode(node.Description ?? node.Name)}</title>");
            svg.Append($"<rect x=\"{x}\" y=\"{y}\" width=\"{boxWidth}\" height=\"{boxHeight}\" rx=\"6\" fill=\"{fill}\" stroke=\"#335\"/>");
            svg.Append($"<text x=\"{x + boxWidth / 2}\" y=\"{y + 22}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"13\">{name}</text></g>");
        }
        svg.Append("</svg>");

        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ClusterSnek plan</title>
            <style>body{"{"}font-family:sans-serif;margin:24px;color:#223{"}"} li{"{"}margin:2px 0{"}"}</style></head>
            <body><h1>Execution plan</h1>
            <p>Requested: {WebUtility.HtmlEncode(string.Join(", ", plan.Invoked.Select(n => n.Name)))}. Columns run left to right; boxes in one column may run in parallel. Solid arrows: DependsOn; dashed: ordering (After/Before/Triggers/runs last). Blue: requested; grey: skipped.</p>
            {svg}
            <ol>{string.Concat(plan.Waves().Select(w => "<li>" + WebUtility.HtmlEncode(string.Join(" ∥ ", w.Select(n => n.Name))) + "</li>"))}</ol>
            </body></html>
            """;
        file.Parent.CreateDirectory();
        File.WriteAllText(file, html);
        return file;
    }
}
