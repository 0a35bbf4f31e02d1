using System.Globalization;
using System.Text.Json.Nodes;

namespace ClusterSnek.Reports;

/// <summary>Gantt geometry for the SVG timeline: one row per target, x by start time, so parallel targets overlap.</summary>
internal static class Timeline
{
    public const int LabelWidth = 190, PlotWidth = 760, RowHeight = 24, Top = 28;

    public static JsonObject Of(JsonNode p)
    {
        var targets = p.Objects("targets").ToList();
        var starts = targets.Select(t => t.Time("startedAt")).Where(t => t is not null).Select(t => t!.Value).ToList();
        var origin = p.Time("run", "startedAt") ?? (starts.Count > 0 ? starts.Min() : DateTimeOffset.UnixEpoch);
        var ends = targets.Select(t => t.Time("finishedAt")).Where(t => t is not null).Select(t => t!.Value).ToList();
        var end = ends.Count > 0 ? ends.Max() : origin;
        var totalMs = Math.Max(1.0, Math.Max((end - origin).TotalMilliseconds, p.Long("run", "durationMs") ?? 0));

        var rows = new JsonArray();
        for (var i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            var status = t.Str("status") ?? "NotRun";
            var start = t.Time("startedAt");
            var ms = t.Long("durationMs") ?? 0;
            var x = start is null ? 0 : (start.Value - origin).TotalMilliseconds / totalMs * PlotWidth;
            var w = start is null ? 0 : Math.Max(3, ms / totalMs * PlotWidth);
            var overlapping = targets.Where(o => o != t && Overlaps(t, o)).Select(o => o.Str("name")).ToList();
            rows.Add(new JsonObject
            {
                ["name"] = t.Str("name"),
                ["status"] = status,
                ["css"] = status.ToLowerInvariant(),
                ["duration"] = JsonRead.Duration(ms),
                ["reason"] = t.Str("reason"),
                ["parallelWith"] = string.Join(", ", overlapping),
                ["y"] = Top + i * RowHeight,
                ["textY"] = Top + i * RowHeight + 15,
                ["x"] = Fmt(LabelWidth + x),
                ["w"] = Fmt(w),
                ["hasBar"] = start is not null,
                ["noteX"] = Fmt(LabelWidth + x + w + 6),
                ["note"] = status switch
                {
                    "Cached" => "cached",
                    "Skipped" => "skipped",
                    "NotRun" => "not run",
                    "Failed" => "failed " + JsonRead.Duration(ms),
                    _ => JsonRead.Duration(ms),
                },
            });
        }
        var ticks = new JsonArray(Enumerable.Range(0, 5).Select(k => (JsonNode)new JsonObject
        {
            ["x"] = Fmt(LabelWidth + k * PlotWidth / 4.0),
            ["label"] = JsonRead.Duration((long)(totalMs * k / 4)),
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

    static bool Overlaps(JsonNode a, JsonNode b)
    {
        if (a.Time("startedAt") is not { } s1 || a.Time("finishedAt") is not { } e1) return false;
        if (b.Time("startedAt") is not { } s2 || b.Time("finishedAt") is not { } e2) return false;
        return s1 < e2 && s2 < e1;
    }

    static string Fmt(double d) => d.ToString("0.#", CultureInfo.InvariantCulture);
}
