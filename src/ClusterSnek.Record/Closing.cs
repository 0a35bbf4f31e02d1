namespace ClusterSnek.Record;

/// <summary>The tests section (written by Test): counts and the names of failed tests.</summary>
public sealed record TestRecord(int Passed, int Failed, int Skipped, IReadOnlyList<string> FailedTests);

/// <summary>
/// The audit section (written by VerifyAudit): the log checked, its key, whether the chain, signed head and anchor hold, and the
/// anchor's verdict in one line (anchored at which reference, or why it was verified locally only).
/// </summary>
public sealed record AuditRecord(string File, string KeyId, int Entries, bool Intact, IReadOnlyList<string> Problems, string? Anchor = null);
