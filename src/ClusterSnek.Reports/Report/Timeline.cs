using System.Globalization;
using System.Text.Json.Nodes;
using ClusterSnek.Record;

namespace ClusterSnek.Reports;

/// <summary>Gantt geometry for the SVG timeline: one row per target, x by start time, so parallel targets overlap.</summary>
internal static class Timeline
{
    public const int LabelWidth = 190, PlotWidth = 760, RowHeight = 24, Top = 28;

    public static JsonObject Of(PipelineDocument doc)
    {
        var targets = doc.Targets;
        var ends = targets.Select(t => t.FinishedAt).OfType<DateTimeOffset>().ToList();
        var origin = doc.Run.StartedAt;
        var end = ends.Count > 0 ? ends.Max() : origin;
        var totalMs = Math.Max(1.0, Math.Max((end - origin).TotalMilliseconds, doc.Run.DurationMs));

        var rows = new JsonArray();
        for (var i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            var x = t.StartedAt is { } s ? (s - origin).TotalMilliseconds / totalMs * PlotWidth : 0;
            var w = t.StartedAt is null ? 0 : Math.Max(3, t.DurationMs / totalMs * PlotWidth);
            rows.Add(new JsonObject
            {
                ["name"] = t.Name,
                ["status"] = t.Status.ToString(),
                ["css"] = t.Status.ToString().ToLowerInvariant(),
                ["duration"] = Display.Duration(t.DurationMs),
                ["reason"] = t.Reason,
                ["parallelWith"] = string.Join(", ", targets.Where(o => !ReferenceEquals(o, t) && Overlaps(t, o)).Select(o => o.Name)),
                ["y"] = Top + i * RowHeight,
                ["textY"] = Top + i * RowHeight + 15,
                ["x"] = Fmt(LabelWidth + x),
                ["w"] = Fmt(w),
                ["hasBar"] = t.StartedAt is not null,
                ["noteX"] = Fmt(LabelWidth + x + w + 6),
                ["note"] = t.Status switch
                {
                    TargetStatus.Cached => t.CachedFrom is null or "local" ? "cached locally" : "cached from the shared cache", // which entry: the reason
                    TargetStatus.Skipped => "skipped",
                    TargetStatus.NotRun => "not run",
                    TargetStatus.Failed => "failed " + Display.Duration(t.DurationMs),
                    _ => Display.Duration(t.DurationMs),
                },
            });
        }
        var ticks = new JsonArray(Enumerable.Range(0, 5).Select(k => (JsonNode)new JsonObject
        {
            ["x"] = Fmt(LabelWidth + k * PlotWidth / 4.0),
            ["label"] = Display.Duration((long)(totalMs * k / 4)),
        }).ToArray());
        return new JsonObject
        {
            ["width"] = LabelWidth + PlotWidth + 90,
            ["height"] = Top + targets.Count * RowHeight + 10,
            ["plotBottom"] = Top + targets.Count * RowHeight,
            ["rows"] = rows,
            ["ticks"] = ticks,
        };
    }

    static bool Overlaps(TargetEntry a, TargetEntry b) =>
        a is { StartedAt: { } s1, FinishedAt: { } e1 } && b is { StartedAt: { } s2, FinishedAt: { } e2 } && s1 < e2 && s2 < e1;

    static string Fmt(double d) => d.ToString("0.#", CultureInfo.InvariantCulture);
}
