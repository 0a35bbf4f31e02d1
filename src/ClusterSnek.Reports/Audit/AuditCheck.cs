using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Reports.Audit;

/// <summary>What VerifyAudit found: the local checks, the anchor's verdict, every problem (the anchor's first), and where it anchored.</summary>
public sealed record AuditCheckResult(AuditVerification Local, AnchorVerdict Verdict, IReadOnlyList<string> Problems, string AnchorLine,
    AuditHead? Head, string? AnchorReference, bool Restarted)
{
    public bool Intact => Problems.Count == 0;

    /// <summary>This run pushed the log as the checkout's anchor (it is not anchored when no registry answered or it was tampered with).</summary>
    public bool Anchored => AnchorReference is not null;
}

/// <summary>
/// VerifyAudit's work: the chain and the head checked with the trusted key, the log compared with its anchor, and, when all holds,
/// the anchor moved forward to this head. A tampered log is never anchored: the registry keeps the evidence.
/// </summary>
public static class AuditCheck
{
    /// <param name="anchor">The checkout's anchor, or null when there is no registry (<paramref name="noRegistry"/> names it and says why).</param>
    /// <param name="restart">--audit-restart: accept a new log over an anchored one (not a forged anchor) and name the head it replaces.</param>
    public static async Task<AuditCheckResult> RunAsync(AuditLog log, byte[] trustedKey, AuditAnchor? anchor, string noRegistry, bool restart,
        string? release, CancellationToken ct)
    {
        var local = AuditVerifier.Verify(log.File, log.HeadFile, trustedKey);
        AnchorVerdict verdict;
        AnchoredLog? anchored = null;
        if (anchor is null) verdict = AnchorVerdict.NoRegistry(noRegistry);
        else
        {
            try
            {
                anchored = await anchor.FetchAsync(ct);
                verdict = AuditAnchorCheck.Compare(log.File, log.HeadFile, anchored, trustedKey);
            }
            catch (AuditAnchorException e)
            {
                verdict = new AnchorVerdict(AnchorState.ForgedAnchor, $"{e.Message} The anchor was replaced; the log cannot be checked against it.");
            }
            catch (RegistryException e)
            {
                verdict = AnchorVerdict.Unreachable(anchor.Reference.Registry, e.Message);
                anchor = null;
            }
        }
        var restarted = !verdict.Holds && restart && local.Intact && verdict.State != AnchorState.ForgedAnchor;
        var problems = local.Problems.Select(p => p.ToString()).ToList();
        if (!verdict.Holds && !restarted) problems.Insert(0, verdict.Message);
        var snapshot = log.Snapshot();
        if (problems.Count > 0 || anchor is null || snapshot is not { } current)
            return new AuditCheckResult(local, verdict, problems, verdict.Message, snapshot?.Head, null, false);

        var digest = await anchor.PushAsync(current.Log, current.Head, release, restarted ? anchored?.Head.Head : null, ct: ct);
        var reference = $"{anchor.Reference}@{digest.Value}";
        return new AuditCheckResult(local, verdict, problems, $"anchored at {reference} ({(restarted ? "restarted over: " : "")}{verdict.Message})",
            current.Head, reference, restarted);
    }
}
