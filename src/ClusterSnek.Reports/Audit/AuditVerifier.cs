using System.Text.Json;

namespace ClusterSnek.Reports.Audit;

/// <summary>One break in the log: the line where it shows (0 for the head) and what it means.</summary>
public sealed record AuditProblem(int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}

/// <summary>The outcome of checking a log: entries read and every problem found.</summary>
public sealed record AuditVerification(int Entries, IReadOnlyList<AuditProblem> Problems, string Summary)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>Checks the chain line by line (sequence, prev hash) and the signed head (count, last hash, signature).</summary>
public static class AuditVerifier
{
    /// <param name="trustedPublicKey">The key the head must be signed with (SubjectPublicKeyInfo DER); null trusts the head's own key.</param>
    public static AuditVerification Verify(string logFile, string headFile, byte[]? trustedPublicKey)
    {
        var problems = new List<AuditProblem>();
        var hasLog = File.Exists(logFile);
        var hasHead = File.Exists(headFile);
        if (!hasLog && !hasHead) return new AuditVerification(0, [], "no audit log yet: nothing with side effects has run since the last Clean");
        if (!hasHead) return Fail(0, problems, new AuditProblem(0, $"{headFile} is missing: the signed head was removed, so the log cannot be trusted"));
        if (!hasLog) return Fail(0, problems, new AuditProblem(0, $"{logFile} is missing but its signed head exists: the log was removed"));

        var text = File.ReadAllText(logFile);
        var lines = text.Split('\n').ToList();
        var lastIsPartial = lines[^1].Length > 0;
        if (!lastIsPartial) lines.RemoveAt(lines.Count - 1);

        var expectedPrev = AuditEntry.Genesis;
        for (var i = 0; i < lines.Count; i++)
        {
            var number = i + 1;
            var line = lines[i];
            if (lastIsPartial && i == lines.Count - 1)
                problems.Add(new AuditProblem(number, "incomplete line (no line end): the log was truncated here"));
            else if (Parse(line) is not { } entry)
                problems.Add(new AuditProblem(number, "not a valid audit entry: the line was edited"));
            else
            {
                if (entry.Seq != number)
                    problems.Add(new AuditProblem(number, entry.Seq > number
                        ? $"holds entry #{entry.Seq} where #{number} belongs: entries were removed before it"
                        : $"holds entry #{entry.Seq} where #{number} belongs: entries were reordered or duplicated"));
                else if (entry.Prev != expectedPrev)
                    problems.Add(new AuditProblem(number, number == 1
                        ? "does not start the chain: the log's beginning was replaced"
                        : $"its prev is not the SHA-256 of line {number - 1}: line {number - 1} was edited"));
            }
            expectedPrev = AuditEntry.HashOf(line);
        }

        var complete = lastIsPartial ? lines.Count - 1 : lines.Count;
        CheckHead(headFile, complete, complete == 0 ? AuditEntry.Genesis : AuditEntry.HashOf(lines[complete - 1]), trustedPublicKey, problems);
        return problems.Count == 0
            ? new AuditVerification(complete, [], $"audit log intact: {complete} entries, chain and signed head verified")
            : new AuditVerification(complete, problems, $"audit log TAMPERED: {problems.Count} problem(s)");
    }

    static void CheckHead(string headFile, int entries, string lastHash, byte[]? trusted, List<AuditProblem> problems)
    {
        AuditHead? head;
        try { head = JsonSerializer.Deserialize<AuditHead>(File.ReadAllText(headFile), AuditHead.Json); }
        catch (JsonException) { head = null; }
        if (head is null || head.Head is null || head.Signature is null || head.PublicKey is null)
        {
            problems.Add(new AuditProblem(0, $"{headFile} is not a signed audit head: it was edited"));
            return;
        }
        byte[] key;
        try { key = trusted ?? PemDecode(head.PublicKey); }
        catch (Exception e) when (e is FormatException or ArgumentException) { problems.Add(new AuditProblem(0, $"{headFile}: its public key is not PEM")); return; }
        var signatureValid = TryVerify(key, AuditSigner.HeadMessage(head.Entries, head.Head), head.Signature);
        if (!signatureValid)
        {
            problems.Add(new AuditProblem(0, trusted is not null && head.KeyId != AuditSigner.KeyIdOf(trusted)
                ? $"the head is signed by key {head.KeyId}, not by the trusted audit key {AuditSigner.KeyIdOf(trusted)}"
                : "the head signature does not verify: the head was edited"));
            return;
        }
        if (entries < head.Entries)
            problems.Add(new AuditProblem(entries + 1, $"missing: the signed head covers {head.Entries} entries but the log ends after line {entries} (truncated)"));
        else if (entries > head.Entries)
            problems.Add(new AuditProblem((int)head.Entries + 1, $"appended after the head was signed (the head covers {head.Entries} entries)"));
        else if (lastHash != head.Head)
            problems.Add(new AuditProblem(entries, "the last line does not match the signed head: it was edited or replaced"));
    }

    static bool TryVerify(byte[] key, byte[] message, string signature)
    {
        try { return AuditSigner.Verify(key, message, Convert.FromBase64String(signature)); }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException) { return false; }
    }

    static byte[] PemDecode(string pem)
    {
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    static AuditEntry? Parse(string line)
    {
        try
        {
            var entry = JsonSerializer.Deserialize<AuditEntry>(line, AuditLog.Json);
            return entry is { Prev: not null, Action: not null, Subject: not null } ? entry : null;
        }
        catch (JsonException) { return null; }
    }

    static AuditVerification Fail(int entries, List<AuditProblem> problems, AuditProblem problem)
    {
        problems.Add(problem);
        return new AuditVerification(entries, problems, $"audit log TAMPERED: {problem}");
    }
}
