using ClusterSnek.Record;

namespace ClusterSnek.Reports;

/// <summary>
/// Where a section of the report comes from: this run, an earlier run it was carried from (never shown as this run's), or
/// nowhere, with the reason from the writer's entry in targets[].
/// </summary>
internal sealed record SectionSource(ISection Section, bool Present, CarriedSection? Carried, string Absent)
{
    public static SectionSource Of(PipelineDocument doc, ISection section)
    {
        var present = doc.Get(section) is not (null or IReadOnlyCollection<object> { Count: 0 });
        return new SectionSource(section, present, present ? doc.CarriedFrom(section) : null, Absence(doc, section));
    }

    /// <summary>"from run 11 at 2026-11-24 09:00:00 UTC (commit abc1234)", or null for this run's own section.</summary>
    public string? From => Carried is null ? null : Label(Carried);

    public static string Label(CarriedSection carried) =>
        $"from run {carried.Run} at {Display.Time(carried.StartedAt)} " +
        (carried.Commit is null ? "(no commit recorded)" : $"(commit {Display.ShortCommit(carried.Commit)})");

    /// <summary>Carried sections grouped by the run they came from: ("images, scan and sbom", plural, "from run 11 at ...").</summary>
    public static IEnumerable<(string Names, bool Plural, string Label)> Grouped(IEnumerable<CarriedSection> carried) =>
        carried.GroupBy(Label, c => c.Section).Select(g => (Join(g.ToList()), g.Count() > 1, g.Key));

    static string Join(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    /// <summary>Why a section is empty: what its one writer did in this run, or that it was not part of the run.</summary>
    static string Absence(PipelineDocument doc, ISection section)
    {
        var writer = section.Writer;
        if (doc.Target(writer) is not { } target) return $"not run in this pipeline ({writer} was not part of it)";
        if (target.Status is TargetStatus.Succeeded or TargetStatus.Cached)
            return $"{writer} {Display.Phrase(target.Status)} but recorded nothing here";
        return $"{writer} {Display.Phrase(target.Status)}" + (string.IsNullOrEmpty(target.Reason) ? "" : ": " + target.Reason);
    }
}
