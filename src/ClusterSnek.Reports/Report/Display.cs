using System.Globalization;
using ClusterSnek.Record;

namespace ClusterSnek.Reports;

/// <summary>How record values read in the report: sizes, durations, short digests and commits, times, statuses.</summary>
internal static class Display
{
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.0} MiB"),
    };

    public static string Duration(long ms) => ms switch
    {
        < 1000 => $"{ms} ms",
        < 60_000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.0} s"),
        _ => $"{ms / 60_000} min {ms % 60_000 / 1000} s",
    };

    /// <summary><c>sha256:</c> and the first 12 hex characters: enough to tell digests apart in a table.</summary>
    public static string Short(Digest? digest) => digest is null ? "" : digest.Value[..19];

    public static string ShortCommit(string? commit, int length = 7) =>
        commit is null ? "" : commit.Length > length ? commit[..length] : commit;

    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A target's status as a phrase after its name: "Scan failed", "BuildImages did not run".</summary>
    public static string Phrase(TargetStatus status) => status switch
    {
        TargetStatus.NotRun => "did not run",
        TargetStatus.Failed => "failed",
        TargetStatus.Skipped => "was skipped",
        TargetStatus.Cached => "was cached",
        TargetStatus.Succeeded => "succeeded",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>A verification check's outcome in words; there is no fourth word.</summary>
    public static string Words(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "passed",
        CheckOutcome.Failed => "failed",
        CheckOutcome.NotChecked => "not checked",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The CSS class of an outcome's pill.</summary>
    public static string Css(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "pass",
        CheckOutcome.Failed => "fail",
        _ => "notchecked",
    };

    public static string Yes(bool? value, string yes, string no, string unset) => value switch { true => yes, false => no, null => unset };
}
