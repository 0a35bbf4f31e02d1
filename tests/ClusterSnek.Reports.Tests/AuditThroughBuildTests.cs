using System.Security.Cryptography;
using System.Text.Json;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The audit log through ./build.sh (the compiled build as a process) against a real docker-registry given as --registry: signed
/// with the development key outside the root, anchored in the registry, and the attacks of issue 14 refused in one line.
/// </summary>
[Collection("registry")]
public sealed class AuditThroughBuildTests(RegistryFixture registry)
{
    /// <summary>Side effects of an earlier run, recorded with the pipeline's key (the development key the build resolves too).</summary>
    static void RecordEarlierRun(BuildRoot root, int count)
    {
        using var identity = KeyStore.Development(root.DevelopmentKeys);
        var spki = ECDsa.Create();
        spki.ImportFromPem(identity.Key.Public.Pem);
        var log = new AuditLog(root.Artifacts / AuditLog.FileName, new AuditSigner(data => identity.Key.Sign(data), spki.ExportSubjectPublicKeyInfo()));
        for (var i = 0; i < count; i++)
            log.Append(AuditAction.ImagePush, $"{i}.example/clustersnek/backend:1.0", "sha256:" + new string('b', 64), AuditOutcome.Succeeded, "BuildImages", "ci");
    }

    /// <summary>The 20-line script: edit entry 2, re-chain the lines after it, sign a fresh head with .nuke/audit/audit-key.pem.</summary>
    static string ResignWithTheCheckoutKey(BuildRoot root)
    {
        var file = root.Artifacts / AuditLog.FileName;
        var lines = File.ReadAllLines(file).ToList();
        lines[1] = lines[1].Replace("\"succeeded\"", "\"failed\"", StringComparison.Ordinal);
        var prev = AuditEntry.Genesis;
        var rewritten = lines.Select(line =>
        {
            var text = JsonSerializer.Serialize(JsonSerializer.Deserialize<AuditEntry>(line, AuditLog.Json)! with { Prev = prev }, AuditLog.Json);
            prev = AuditEntry.HashOf(text);
            return text;
        }).ToList();
        File.WriteAllText(file, string.Concat(rewritten.Select(l => l + "\n")));
        var keyFile = root.Path / ".nuke" / "audit" / "audit-key.pem";
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        keyFile.Parent.CreateDirectory();
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        var signer = new AuditSigner(key);
        var head = new AuditHead(rewritten.Count, prev, signer.KeyId, signer.PublicKeyPem,
            Convert.ToBase64String(signer.Sign(AuditSigner.HeadMessage(rewritten.Count, prev))));
        File.WriteAllText(root.Artifacts / AuditLog.HeadFileName, JsonSerializer.Serialize(head, AuditHead.Json));
        return signer.KeyId;
    }

    [Fact]
    public void A_log_edited_re_chained_and_re_signed_with_the_checkout_key_fails_VerifyAudit_as_replaced()
    {
        using var root = new BuildRoot();
        var (exit, output) = root.Run("VerifyAudit", "--registry", registry.Host);
        Assert.True(exit == 0, output);
        Assert.Contains("no anchor yet for this checkout", output);
        Assert.Contains($"anchored at {registry.Host}/clustersnek/audit:checkout-", output);

        RecordEarlierRun(root, 3);
        (exit, output) = root.Run("VerifyAudit", "--registry", registry.Host);
        Assert.True(exit == 0, output);
        Assert.Contains("audit log intact: 3 entries", output);
        Assert.Contains("extends its anchor", output);

        var forger = ResignWithTheCheckoutKey(root);
        (exit, output) = root.Run("VerifyAudit", "--registry", registry.Host);
        Assert.True(exit == 1, output);
        Assert.Contains($"audit.jsonl: audit log TAMPERED: replaced: audit.jsonl differs from the anchored copy from line 2 on, " +
            $"re-chained and its head re-signed with key {forger}", output);
        Assert.Contains($"the head is signed by key {forger}, not by the trusted audit key", output);
    }

    [Fact]
    public void A_deleted_log_fails_VerifyAudit_until_a_restart_is_asked_for_and_recorded_in_the_anchor()
    {
        using var root = new BuildRoot();
        RecordEarlierRun(root, 2);
        Assert.Equal(0, root.Run("VerifyAudit", "--registry", registry.Host).Exit);
        File.Delete(root.Artifacts / AuditLog.FileName);
        File.Delete(root.Artifacts / AuditLog.HeadFileName);

        var (exit, output) = root.Run("Report", "--registry", registry.Host);
        Assert.True(exit == 1, output);
        Assert.Contains("audit log TAMPERED: deleted: audit.jsonl is empty but the anchor", output);
        Assert.Contains("holds 2 entries", output);

        (exit, output) = root.Run("Report", "--registry", registry.Host, "--audit-restart");
        Assert.True(exit == 0, output);
        Assert.Contains("--audit-restart: starting a new anchored log although deleted:", output);
        Assert.Contains("anchored at", output);
    }

    [Fact]
    public void A_log_signed_by_the_old_checkout_key_is_refused_with_the_way_out()
    {
        using var root = new BuildRoot();
        using var old = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = root.Path / ".nuke" / "audit" / "audit-key.pem";
        keyFile.Parent.CreateDirectory();
        File.WriteAllText(keyFile, old.ExportPkcs8PrivateKeyPem());
        new AuditLog(root.Artifacts / AuditLog.FileName, new AuditSigner(old))
            .Append(AuditAction.Deploy, "clustersnek/dev", null, AuditOutcome.Succeeded, "Deploy", "ci");

        var (exit, output) = root.Run("Report");
        Assert.True(exit == 1, output);
        Assert.Contains("not by the trusted audit key", output);
        Assert.Contains("(its head is signed by the old per-checkout key .nuke/audit/audit-key.pem, which is no longer trusted: " +
            "if nobody changed the log, keep a copy, then remove artifacts/audit.jsonl and artifacts/audit.head.json, or run ./build.sh Clean)", output);
    }
}
