using System.Security.Cryptography;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports.Tests;

public sealed class AuditTests : IDisposable
{
    readonly TempFolder temp = new();
    readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    readonly AuditLog log;

    public AuditTests() => log = new AuditLog(temp.Path / AuditLog.FileName, new AuditSigner(key));

    public void Dispose() { key.Dispose(); temp.Dispose(); }

    void RecordFive()
    {
        log.Append(AuditAction.ImagePush, "127.0.0.1:5000/clustersnek/backend", "sha256:aa", AuditOutcome.Succeeded, "BuildImages", "ci");
        log.Append(AuditAction.Signature, "127.0.0.1:5000/clustersnek/backend", "sha256:aa", AuditOutcome.Succeeded, "Sign", "ci");
        log.Append(AuditAction.ChartPush, "oci://127.0.0.1:5000/charts/clustersnek", "sha256:bb", AuditOutcome.Succeeded, "PackageCharts", "ci");
        log.Append(AuditAction.Deploy, "clustersnek/staging", null, AuditOutcome.Failed, "Deploy", "ci");
        log.Append(AuditAction.Rollback, "clustersnek/staging", null, AuditOutcome.Succeeded, "Rollback", "ci");
    }

    AuditVerification Verify() => AuditVerifier.Verify(log.File, log.HeadFile, log.PublicKey);

    List<string> Lines() => File.ReadAllLines(log.File).ToList();

    void Rewrite(IEnumerable<string> lines) => File.WriteAllText(log.File, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public void An_untouched_log_verifies()
    {
        RecordFive();
        var result = Verify();
        Assert.True(result.Intact, string.Join("; ", result.Problems));
        Assert.Equal(5, result.Entries);
    }

    [Fact]
    public void An_empty_sealed_log_verifies()
    {
        log.Seal();
        var result = Verify();
        Assert.True(result.Intact, string.Join("; ", result.Problems));
        Assert.Equal(0, result.Entries);
    }

    [Fact]
    public void Each_line_chains_to_the_sha256_of_the_line_before()
    {
        RecordFive();
        var lines = Lines();
        Assert.Contains($"\"prev\":\"{AuditEntry.Genesis}\"", lines[0]);
        Assert.Contains($"\"prev\":\"{AuditEntry.HashOf(lines[2])}\"", lines[3]);
    }

    [Fact]
    public void An_edited_line_is_detected_with_its_line_number()
    {
        RecordFive();
        var lines = Lines();
        lines[1] = lines[1].Replace("\"succeeded\"", "\"failed\"", StringComparison.Ordinal);
        Rewrite(lines);
        var result = Verify();
        Assert.False(result.Intact);
        Assert.Equal("line 3: its prev is not the SHA-256 of line 2: line 2 was edited", result.Problems[0].ToString());
    }

    [Fact]
    public void An_edited_last_line_is_detected_against_the_signed_head()
    {
        RecordFive();
        var lines = Lines();
        lines[4] = lines[4].Replace("clustersnek/staging", "clustersnek/prod", StringComparison.Ordinal);
        Rewrite(lines);
        Assert.Equal("line 5: the last line does not match the signed head: it was edited or replaced", Verify().Problems.Single().ToString());
    }

    [Fact]
    public void A_removed_line_is_detected_with_its_line_number()
    {
        RecordFive();
        var lines = Lines();
        lines.RemoveAt(2);
        Rewrite(lines);
        var result = Verify();
        Assert.False(result.Intact);
        Assert.Equal("line 3: holds entry #4 where #3 belongs: entries were removed before it", result.Problems[0].ToString());
    }

    [Fact]
    public void Reordered_lines_are_detected_with_their_line_numbers()
    {
        RecordFive();
        var lines = Lines();
        (lines[1], lines[2]) = (lines[2], lines[1]);
        Rewrite(lines);
        var problems = Verify().Problems.Select(p => p.ToString()).ToList();
        Assert.Contains("line 2: holds entry #3 where #2 belongs: entries were removed before it", problems);
        Assert.Contains("line 3: holds entry #2 where #3 belongs: entries were reordered or duplicated", problems);
    }

    [Fact]
    public void A_truncated_log_is_detected()
    {
        RecordFive();
        Rewrite(Lines().Take(3));
        Assert.Equal("line 4: missing: the signed head covers 5 entries but the log ends after line 3 (truncated)", Verify().Problems.Single().ToString());
    }

    [Fact]
    public void A_log_cut_in_the_middle_of_a_line_is_detected()
    {
        RecordFive();
        var text = File.ReadAllText(log.File);
        File.WriteAllText(log.File, text[..(text.Length - 20)]);
        Assert.Contains(Verify().Problems, p => p.ToString() == "line 5: incomplete line (no line end): the log was truncated here");
    }

    [Fact]
    public void A_head_re_signed_with_another_key_is_rejected()
    {
        RecordFive();
        var lines = Lines();
        lines.RemoveAt(4);
        Rewrite(lines);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // The attacker rebuilds a consistent head for the shortened log, but cannot sign it with the trusted key.
        var signer = new AuditSigner(other);
        var head = AuditEntry.HashOf(lines[3]);
        var forged = new AuditHead(4, head, signer.KeyId, signer.PublicKeyPem, Convert.ToBase64String(signer.Sign(AuditSigner.HeadMessage(4, head))));
        File.WriteAllText(log.HeadFile, System.Text.Json.JsonSerializer.Serialize(forged, AuditHead.Json));
        Assert.Contains("is signed by key", Verify().Problems.Single().Message);
    }

    [Fact]
    public void Nothing_is_appended_to_a_log_that_no_longer_matches_its_head()
    {
        RecordFive();
        Rewrite(Lines().Take(4));
        var e = Assert.Throws<InvalidOperationException>(() => log.Append(AuditAction.Deploy, "x", null, AuditOutcome.Succeeded, "t", "a"));
        Assert.Contains("no longer matches its signed head", e.Message);
    }

    [Fact]
    public void Nothing_is_appended_to_a_log_whose_head_was_re_signed_with_another_key()
    {
        RecordFive();
        var lines = Lines();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new AuditSigner(other);
        var head = AuditEntry.HashOf(lines[4]);
        // A consistent head for the same lines, signed by a key at hand (the old .nuke/audit key): extending it would launder it.
        var forged = new AuditHead(5, head, signer.KeyId, signer.PublicKeyPem, Convert.ToBase64String(signer.Sign(AuditSigner.HeadMessage(5, head))));
        File.WriteAllText(log.HeadFile, System.Text.Json.JsonSerializer.Serialize(forged, AuditHead.Json));
        var e = Assert.Throws<InvalidOperationException>(() => log.Append(AuditAction.Deploy, "x", null, AuditOutcome.Succeeded, "t", "a"));
        Assert.Contains("not signed by the pipeline's key", e.Message);
    }

    [Fact]
    public void A_secret_in_an_entry_is_redacted_before_it_is_hashed_and_written()
    {
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        Redactor.Register(canary);
        log.Append(AuditAction.ImagePush, $"https://user:{canary}@registry/app", null, AuditOutcome.Succeeded, "BuildImages", "ci");
        Assert.DoesNotContain(canary, File.ReadAllText(log.File));
        Assert.Contains("user:***@registry", File.ReadAllText(log.File));
        Assert.True(Verify().Intact);
    }
}
