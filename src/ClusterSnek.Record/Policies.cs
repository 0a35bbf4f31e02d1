namespace ClusterSnek.Record;

/// <summary>The charts section (written by PackageCharts): the packaged umbrella chart and where it was pushed.</summary>
public sealed record ChartRecord(string Name, string Version, string Package, IReadOnlyList<string> Lint, string? Pushed);

/// <summary>
/// One environment's policy result (policies[], written by PolicyTest): checks run, passed and failed, the violations,
/// the exceptions used and the built-in checks that are disabled (never silently).
/// </summary>
public sealed record PolicyEnvironmentResult(
    string Environment, bool Passed, int Checks, int PassedChecks, int FailedChecks, IReadOnlyList<PolicyViolationEntry> Violations,
    IReadOnlyList<string> ExceptionsUsed, IReadOnlyList<string> DisabledChecks, IReadOnlyList<string> Policies, bool PlaceholderDigests,
    string Report, string Sarif);

/// <summary>One failed (or excepted) policy check on one resource, with how to fix it.</summary>
public sealed record PolicyViolationEntry(string Policy, string Severity, string Resource, string Field, string Message, string Fix, bool Excepted);
