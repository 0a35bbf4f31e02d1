namespace ClusterSnek.Record;

/// <summary>The scan section (written by Scan): the gate's settings, one result per image, and the repository's own scan.</summary>
public sealed record ScanRecord(
    bool Passed, IReadOnlyList<string> FailOn, bool IgnoreUnfixed, bool RequireVulnScan, string ExceptionsFile,
    IReadOnlyList<ScanResult> Images, ScanResult? Repository);

/// <summary>
/// One scanned subject (an image by service and digest, or the repository): the gate decision, counts by severity, and the
/// findings that matter for a release. Secrets are named by file, line and rule only: their values never leave the scan report.
/// </summary>
public sealed record ScanResult(
    string Subject, Digest? Digest, GateVerdict Gate, SeverityCounts Counts, VulnerabilityScan VulnerabilityScan,
    int Blocking, int Excepted, int IgnoredUnfixed,
    IReadOnlyList<VulnerabilityFinding> Vulnerabilities, IReadOnlyList<SecretFinding> Secrets,
    IReadOnlyList<MisconfigurationFinding> Misconfigurations, IReadOnlyList<ExceptionUse> Exceptions,
    string Report, string Sarif);

/// <summary>Whether the scan gate let the subject through, and why.</summary>
public sealed record GateVerdict(bool Passed, string Reason, IReadOnlyList<string> Reasons);

/// <summary>Finding counts by severity.</summary>
public sealed record SeverityCounts(int Critical, int High, int Medium, int Low, int Unknown)
{
    [System.Text.Json.Serialization.JsonIgnore] public int Total => Critical + High + Medium + Low + Unknown;

    public IEnumerable<(string Severity, int Count)> NonZero() =>
        new[] { ("critical", Critical), ("high", High), ("medium", Medium), ("low", Low), ("unknown", Unknown) }.Where(x => x.Item2 > 0);
}

/// <summary>Whether vulnerabilities were scanned at all (no database offline), and why not.</summary>
public sealed record VulnerabilityScan(bool Ran, string? Reason)
{
    public override string ToString() => Ran ? "ran" : "not run: " + Reason;
}

public sealed record VulnerabilityFinding(string Id, string Package, string Installed, string? Fixed, string Severity, string? Title);

public sealed record SecretFinding(string File, int? Line, string Rule, string Severity);

public sealed record MisconfigurationFinding(string Id, string File, string Severity, string? Title);

/// <summary>A reviewed exception the gate applied: which finding id, why, until when.</summary>
public sealed record ExceptionUse(string Id, string Reason, DateOnly Expires);
