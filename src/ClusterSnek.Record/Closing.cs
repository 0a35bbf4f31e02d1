namespace ClusterSnek.Record;

/// <summary>The tests section (written by Test): counts and the names of failed tests.</summary>
public sealed record TestRecord(int Passed, int Failed, int Skipped, IReadOnlyList<string> FailedTests);

/// <summary>The audit section (written by VerifyAudit): the log checked, its key, and whether the chain and signed head hold.</summary>
public sealed record AuditRecord(string File, string KeyId, int Entries, bool Intact, IReadOnlyList<string> Problems);
