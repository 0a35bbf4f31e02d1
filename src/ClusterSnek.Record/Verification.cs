namespace ClusterSnek.Record;

/// <summary>How one check came out; "not checked" is never counted as passed.</summary>
public enum CheckOutcome { Passed, Failed, NotChecked }

/// <summary>One verification check with the evidence it was decided on.</summary>
public sealed record VerificationCheck(string Check, string Subject, CheckOutcome Outcome, string Evidence)
{
    public static VerificationCheck Pass(string check, string subject, string evidence) => new(check, subject, CheckOutcome.Passed, evidence);
    public static VerificationCheck Fail(string check, string subject, string evidence) => new(check, subject, CheckOutcome.Failed, evidence);
    public static VerificationCheck NotHere(string check, string subject, string why) => new(check, subject, CheckOutcome.NotChecked, why);
}

/// <summary>One ranked finding of a failed release: the cause, the evidence it rests on, and the fix when known.</summary>
public sealed record DiagnosisFinding(string Subject, string Cause, string Evidence, string? Fix)
{
    /// <summary>The analyzer's stable name for the cause (e.g. oom-killed, wrong-port; docs/deploy.md lists them).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Code { get; init; }

    public override string ToString() => $"{Subject}: {Cause}" + (Evidence.Length > 0 ? $" ({Evidence})" : "") + (Fix is null ? "" : $". Fix: {Fix}");
}

/// <summary>
/// The verification section (written by Verify): every check of the deployed revision, the ranked diagnosis when it failed,
/// and the automatic rollback with the checks of the restored revision.
/// </summary>
public sealed record VerificationRecord(
    RuntimeKind Runtime, int Revision, bool Passed, IReadOnlyList<VerificationCheck> Checks, IReadOnlyList<DiagnosisFinding> Diagnosis,
    RollbackRecord? Rollback, IReadOnlyList<VerificationCheck>? AfterRollback, long DurationMs)
{
    public int Count(CheckOutcome outcome) => Checks.Count(c => c.Outcome == outcome);

    /// <summary>One line: the counts, and the first failures.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Summary =>
        $"{Count(CheckOutcome.Passed)} passed, {Count(CheckOutcome.Failed)} failed, {Count(CheckOutcome.NotChecked)} not checked" +
        (Passed ? "" : ": " + string.Join("; ", Checks.Where(c => c.Outcome == CheckOutcome.Failed).Take(3).Select(c => $"{c.Check} {c.Subject}: {c.Evidence}")));
}
