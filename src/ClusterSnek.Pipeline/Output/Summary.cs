using Spectre.Console;

namespace ClusterSnek.Pipeline;

/// <summary>The end-of-run table: target, status, duration, reason; then the verdict line.</summary>
internal static class Summary
{
    public static void Write(TextWriter console, ExecutionPlan plan, RunRecord record)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console),
            Ansi = console == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console == Console.Out && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = 120;
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Target", "Status", "Duration", "Reason");
        var byName = record.Targets.ToDictionary(t => t.Name);
        foreach (var node in plan.Ordered)
        {
            var r = byName.GetValueOrDefault(node.Name) ?? new TargetResult(node.Name, TargetStatus.NotRun, TimeSpan.Zero, "not reached", null, null);
            table.AddRow(
                Markup.Escape(r.Name),
                $"[{Colour(r.Status)}]{r.Status}[/]",
                r.Status is TargetStatus.Succeeded or TargetStatus.Failed ? Duration(r.Duration) : "",
                Markup.Escape(r.Reason ?? ""));
        }
        var total = (record.FinishedAt ?? DateTimeOffset.UtcNow) - record.StartedAt;
        table.AddEmptyRow();
        table.AddRow("[bold]Total[/]", "", Duration(total), "");
        ansi.Write(table);
        // The last line of a failed run is its failure: which target, and why, in one line.
        var failed = record.Targets.Where(t => t.Status == TargetStatus.Failed).Select(t => t.Reason is null ? t.Name : $"{t.Name}: {t.Reason}").ToList();
        console.WriteLine(record.ExitCode switch
        {
            0 => $"Build succeeded on {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss}.",
            130 => "Build cancelled.",
            _ => failed.Count > 0 ? $"Build failed: {string.Join("; ", failed)} (details: artifacts/logs/pipeline.log)" : "Build failed.",
        });
        foreach (var line in record.Conclusions) console.WriteLine(Redactor.Redact(line));
    }

    static string Colour(TargetStatus s) => s switch
    {
        TargetStatus.Succeeded => "green",
        TargetStatus.Failed => "red",
        TargetStatus.Cached => "blue",
        TargetStatus.Skipped => "grey",
        _ => "yellow",
    };

    internal static string Duration(TimeSpan d) => d.TotalSeconds < 1 ? $"{d.TotalMilliseconds:0} ms" : d.TotalMinutes < 1 ? $"{d.TotalSeconds:0.0} s" : $"{(int)d.TotalMinutes}:{d.Seconds:00} min";
}
