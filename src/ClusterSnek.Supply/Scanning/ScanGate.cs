namespace ClusterSnek.Supply.Scanning;

/// <summary>What the gate blocks on: severities (default HIGH, CRITICAL) and whether unfixed vulnerabilities count.</summary>
public sealed record GateOptions(IReadOnlySet<Severity> FailOn, bool IgnoreUnfixed, bool RequireVulnerabilityScan)
{
    public static readonly IReadOnlySet<Severity> DefaultFailOn = new HashSet<Severity> { Severity.High, Severity.Critical };

    /// <summary>Parses <c>--fail-on</c> values (names, case-insensitive, comma or list separated); an unknown name is a usage error.</summary>
    public static IReadOnlySet<Severity> ParseFailOn(IEnumerable<string>? values)
    {
        var list = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (list.Count == 0) return DefaultFailOn;
        var result = new HashSet<Severity>();
        foreach (var v in list)
            result.Add(TrivyReport.ParseSeverity(v) ?? throw new ArgumentException($"--fail-on: '{v}' is not a severity; use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL."));
        return result;
    }
}

/// <summary>Whether the vulnerability part ran; when not, why and what to do.</summary>
public sealed record VulnerabilityScanStatus(bool Ran, string? Reason)
{
    public static readonly VulnerabilityScanStatus Done = new(true, null);
    public static VulnerabilityScanStatus NotRun(string reason) => new(false, reason);
}

/// <summary>The gate's verdict on one scan subject: the findings that block, the ones an exception covers, and counts.</summary>
public sealed record GateDecision(
    bool Passed,
    IReadOnlyList<Finding> Blocking,
    IReadOnlyList<(Finding Finding, ExceptionEntry Exception)> Excepted,
    int IgnoredUnfixed,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<string> Reasons);

/// <summary>Decides whether findings block the release. Pure: the same findings, options, exceptions give the same decision.</summary>
public static class ScanGate
{
    public static GateDecision Evaluate(IReadOnlyList<Finding> findings, GateOptions options, IReadOnlyList<ExceptionEntry> exceptions, VulnerabilityScanStatus vulnerabilities)
    {
        var blocking = new List<Finding>();
        var excepted = new List<(Finding, ExceptionEntry)>();
        var ignored = 0;
        foreach (var f in findings)
        {
            if (!options.FailOn.Contains(f.Severity)) continue;
            if (options.IgnoreUnfixed && f.Kind == FindingKind.Vulnerability && !f.HasFix) { ignored++; continue; }
            if (exceptions.FirstOrDefault(e => e.Covers(f)) is { } exception) { excepted.Add((f, exception)); continue; }
            blocking.Add(f);
        }
        var reasons = new List<string>();
        if (blocking.Count > 0)
            reasons.Add($"{blocking.Count} finding(s) at {string.Join("/", options.FailOn.OrderDescending().Select(s => s.ToString().ToUpperInvariant()))}");
        if (!vulnerabilities.Ran && options.RequireVulnerabilityScan)
            reasons.Add($"vulnerability scan required (--require-vuln-scan) but not run: {vulnerabilities.Reason}");
        var counts = Enum.GetValues<Severity>().OrderDescending()
            .ToDictionary(s => s.ToString().ToLowerInvariant(), s => findings.Count(f => f.Severity == s));
        return new GateDecision(reasons.Count == 0, blocking, excepted, ignored, counts, reasons);
    }
}
