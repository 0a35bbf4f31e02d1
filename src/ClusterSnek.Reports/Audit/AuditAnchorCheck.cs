using System.Text.Json;

namespace ClusterSnek.Reports.Audit;

/// <summary>How the local log stands against its anchor.</summary>
public enum AnchorState
{
    /// <summary>The local log is the anchored one.</summary>
    Matches,
    /// <summary>The local log is the anchored one plus entries appended after it (the anchor moves forward each run).</summary>
    Extends,
    /// <summary>This checkout has no anchor yet (its first run against this registry).</summary>
    NoAnchor,
    /// <summary>No registry could be reached: the log was verified locally only.</summary>
    Unreachable,
    Edited,
    Truncated,
    Replaced,
    Deleted,
    /// <summary>The anchor itself is not what this pipeline pushed: not signed by the trusted key, or its log does not match its head.</summary>
    ForgedAnchor,
}

/// <summary>The outcome of comparing the local log with its anchor, in one line.</summary>
public sealed record AnchorVerdict(AnchorState State, string Message)
{
    /// <summary>Nothing the anchor shows is wrong (which is not the same as anchored: see <see cref="Anchored"/>).</summary>
    public bool Holds => State is AnchorState.Matches or AnchorState.Extends or AnchorState.NoAnchor or AnchorState.Unreachable;

    /// <summary>The local log was checked against an anchor outside the checkout, and holds.</summary>
    public bool Anchored => State is AnchorState.Matches or AnchorState.Extends;

    public static AnchorVerdict Unreachable(string registry, string reason) => NoRegistry($"{registry}: {reason}");

    /// <param name="why">Which registry and why it did not answer, or why there is none.</param>
    public static AnchorVerdict NoRegistry(string why) =>
        new(AnchorState.Unreachable, $"no registry reachable ({why}): the audit log was verified locally only, not against an anchor");
}

/// <summary>
/// Compares the local log with the anchored copy: an edited entry, a truncated log, a log replaced (re-chained and re-signed with
/// another key) and a deleted log each give their own verdict; a local log that extends the anchor holds.
/// </summary>
public static class AuditAnchorCheck
{
    /// <param name="logFile">artifacts/audit.jsonl (it may be missing).</param>
    /// <param name="headFile">artifacts/audit.head.json (it may be missing).</param>
    /// <param name="trustedKey">The trust root's public key (SubjectPublicKeyInfo DER); null when the run has none.</param>
    public static AnchorVerdict Compare(string logFile, string headFile, AnchoredLog? anchor, byte[]? trustedKey)
    {
        if (anchor is null) return new(AnchorState.NoAnchor, "no anchor yet for this checkout: this run's head becomes the first");
        var name = Path.GetFileName(logFile);
        var anchored = CompleteLines(anchor.Log);
        if (trustedKey is not null && !SignedBy(anchor.Head, trustedKey))
            return new(AnchorState.ForgedAnchor, $"the anchor {anchor} is not signed by the trusted key {AuditSigner.KeyIdOf(trustedKey)} " +
                $"(it names key {anchor.Head.KeyId}): it was not pushed by this pipeline");
        if (anchored.Count != anchor.Head.Entries || LastHash(anchored) != anchor.Head.Head)
            return new(AnchorState.ForgedAnchor,
                $"the anchor {anchor}: its log does not match its signed head (entries {anchored.Count} vs {anchor.Head.Entries})");

        var summary = $"the anchor {anchor} ({When(anchor)}) holds {anchor.Head.Entries} entries, head {Short(anchor.Head.Head)}";
        var exists = File.Exists(logFile);
        var local = exists ? CompleteLines(File.ReadAllText(logFile)) : [];
        if (anchor.Head.Entries > 0 && local.Count == 0)
            return new(AnchorState.Deleted, $"deleted: {name} is {(exists ? "empty" : "missing")} but {summary}");

        var localHead = ReadHead(headFile);
        var resigned = trustedKey is not null && localHead is not null && !SignedBy(localHead, trustedKey);
        var firstDifference = Enumerable.Range(0, Math.Min(local.Count, anchored.Count))
            .Select(i => (int?)i).FirstOrDefault(i => local[i!.Value] != anchored[i!.Value]);
        if (firstDifference is { } k)
            return resigned || k == 0
                ? new(AnchorState.Replaced, $"replaced: {name} differs from the anchored copy from line {k + 1} on" +
                    (resigned ? $", re-chained and its head re-signed with key {localHead!.KeyId} "
                        + $"(not the trusted key {AuditSigner.KeyIdOf(trustedKey!)})" : "") +
                    $"; {summary}")
                : new(AnchorState.Edited, $"edited: line {k + 1} of {name} differs from the anchored copy; {summary}");
        if (local.Count < anchored.Count)
            return new(AnchorState.Truncated, $"truncated: {name} ends after line {local.Count}, but {summary}");
        if (resigned)
            return new(AnchorState.Replaced, $"replaced: {name} extends the anchored copy but its head is re-signed with key {localHead!.KeyId} " +
                $"(not the trusted key {AuditSigner.KeyIdOf(trustedKey!)}); {summary}");
        return local.Count == anchored.Count
            ? new(AnchorState.Matches, $"matches its anchor {anchor} ({When(anchor)})")
            : new(AnchorState.Extends,
                $"extends its anchor {anchor} ({When(anchor)}, {anchor.Head.Entries} entries) by {local.Count - anchored.Count}");
    }

    static bool SignedBy(AuditHead head, byte[] key)
    {
        try { return AuditSigner.Verify(key, AuditSigner.HeadMessage(head.Entries, head.Head), Convert.FromBase64String(head.Signature)); }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException) { return false; }
    }

    static AuditHead? ReadHead(string headFile)
    {
        try { return File.Exists(headFile) ? JsonSerializer.Deserialize<AuditHead>(File.ReadAllText(headFile), AuditHead.Json) : null; }
        catch (JsonException) { return null; }
    }

    /// <summary>The lines that end with a line end (a cut last line is not an entry).</summary>
    internal static List<string> CompleteLines(string text)
    {
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    static string LastHash(List<string> lines) => lines.Count == 0 ? AuditEntry.Genesis : AuditEntry.HashOf(lines[^1]);

    static string Short(string hash) => hash.Length > 19 ? hash[..19] + "…" : hash;

    static string When(AnchoredLog anchor) => anchor.Created is { } t ? $"pushed {t:yyyy-MM-dd HH:mm}Z" : "push time unknown";
}
