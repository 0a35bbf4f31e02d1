using System.Security.Cryptography;
using System.Text.Json;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The local log against its anchor in a real docker-registry: each way of tampering with the local copy is named in one line,
/// and a log that only grew since it was anchored holds.
/// </summary>
[Collection("registry")]
public sealed class AuditAnchorTests(RegistryFixture registry) : IDisposable
{
    readonly TempFolder temp = new();
    readonly ECDsa trusted = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    AuditLog? log;

    public void Dispose() { trusted.Dispose(); temp.Dispose(); }

    AuditLog Log => log ??= new AuditLog(temp.Path / AuditLog.FileName, new AuditSigner(trusted));

    byte[] TrustedKey => trusted.ExportSubjectPublicKeyInfo();

    AuditAnchor Anchor => new(registry.Client, new AuditAnchorReference(registry.Host, AuditAnchorReference.RepositoryName,
        "test-" + temp.Path.Name));

    void Record(int count)
    {
        for (var i = 0; i < count; i++)
            Log.Append(AuditAction.ImagePush, $"127.0.0.1:5000/clustersnek/svc{i}", "sha256:" + new string('a', 64), AuditOutcome.Succeeded, "BuildImages", "ci");
    }

    async Task<AnchoredLog> AnchorNow()
    {
        var (text, head) = Log.Snapshot()!.Value;
        await Anchor.PushAsync(text, head, "oci://127.0.0.1:5000/charts/clustersnek:0.1.0", ct: TestContext.Current.CancellationToken);
        return (await Anchor.FetchAsync(TestContext.Current.CancellationToken))!;
    }

    async Task<AnchorVerdict> Check() =>
        AuditAnchorCheck.Compare(Log.File, Log.HeadFile, await Anchor.FetchAsync(TestContext.Current.CancellationToken), TrustedKey);

    List<string> Lines() => File.ReadAllLines(Log.File).ToList();

    /// <summary>What the attack in issue 14 did: edit a line, re-chain every line after it, sign a fresh head with a key at hand.</summary>
    void RechainAndResign(List<string> lines, ECDsa key)
    {
        var prev = AuditEntry.Genesis;
        var rewritten = new List<string>();
        foreach (var line in lines)
        {
            var entry = JsonSerializer.Deserialize<AuditEntry>(line, AuditLog.Json)! with { Prev = prev };
            var text = JsonSerializer.Serialize(entry, AuditLog.Json);
            rewritten.Add(text);
            prev = AuditEntry.HashOf(text);
        }
        File.WriteAllText(Log.File, string.Concat(rewritten.Select(l => l + "\n")));
        var signer = new AuditSigner(key);
        var head = new AuditHead(rewritten.Count, prev, signer.KeyId, signer.PublicKeyPem,
            Convert.ToBase64String(signer.Sign(AuditSigner.HeadMessage(rewritten.Count, prev))));
        File.WriteAllText(Log.HeadFile, JsonSerializer.Serialize(head, AuditHead.Json));
    }

    [Fact]
    public async Task The_anchor_carries_the_log_its_signed_head_and_the_release()
    {
        Record(3);
        var anchored = await AnchorNow();
        Assert.Equal(File.ReadAllText(Log.File), anchored.Log);
        Assert.Equal(3, anchored.Head.Entries);
        Assert.Equal(Log.KeyId, anchored.Head.KeyId);
        Assert.Equal("oci://127.0.0.1:5000/charts/clustersnek:0.1.0", anchored.Release);
        Assert.Equal(AnchorState.Matches, (await Check()).State);
    }

    [Fact]
    public async Task A_log_that_grew_since_its_anchor_holds()
    {
        Record(2);
        await AnchorNow();
        Record(2);
        var verdict = await Check();
        Assert.Equal(AnchorState.Extends, verdict.State);
        Assert.Contains("2 entries) by 2", verdict.Message);
    }

    [Fact]
    public async Task An_edited_entry_is_named_with_its_line()
    {
        Record(4);
        await AnchorNow();
        var lines = Lines();
        lines[1] = lines[1].Replace("\"succeeded\"", "\"failed\"", StringComparison.Ordinal);
        File.WriteAllText(Log.File, string.Concat(lines.Select(l => l + "\n")));
        var verdict = await Check();
        Assert.Equal(AnchorState.Edited, verdict.State);
        Assert.StartsWith("edited: line 2 of audit.jsonl differs from the anchored copy; the anchor", verdict.Message);
    }

    [Fact]
    public async Task A_truncated_log_is_named_even_when_its_head_was_cut_to_match()
    {
        Record(4);
        await AnchorNow();
        // An insider with the trusted key could re-sign a shorter log; the anchor still remembers four entries.
        RechainAndResign(Lines().Take(2).ToList(), trusted);
        var verdict = await Check();
        Assert.Equal(AnchorState.Truncated, verdict.State);
        Assert.Contains("truncated: audit.jsonl ends after line 2, but the anchor", verdict.Message);
        Assert.Contains("holds 4 entries", verdict.Message);
    }

    [Fact]
    public async Task A_log_re_chained_and_re_signed_with_another_key_is_named_as_replaced()
    {
        Record(3);
        await AnchorNow();
        var lines = Lines();
        lines[1] = lines[1].Replace("svc1", "evil", StringComparison.Ordinal);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RechainAndResign(lines, other);
        var verdict = await Check();
        Assert.Equal(AnchorState.Replaced, verdict.State);
        Assert.Contains($"from line 2 on, re-chained and its head re-signed with key {new AuditSigner(other).KeyId} " +
            $"(not the trusted key {Log.KeyId})", verdict.Message);
    }

    [Fact]
    public async Task A_deleted_log_is_named_when_its_anchor_exists()
    {
        Record(2);
        await AnchorNow();
        File.Delete(Log.File);
        File.Delete(Log.HeadFile);
        var verdict = await Check();
        Assert.Equal(AnchorState.Deleted, verdict.State);
        Assert.StartsWith("deleted: audit.jsonl is missing but the anchor", verdict.Message);

        Log.Seal(); // what the next run's Report does: a fresh, empty, validly signed log
        Assert.StartsWith("deleted: audit.jsonl is empty but the anchor", (await Check()).Message);
    }

    [Fact]
    public async Task A_fresh_log_in_place_of_an_anchored_one_is_named_as_replaced()
    {
        Record(2);
        await AnchorNow();
        File.Delete(Log.File);
        File.Delete(Log.HeadFile);
        Record(1); // a later run appends to a log started from nothing
        var verdict = await Check();
        Assert.Equal(AnchorState.Replaced, verdict.State);
        Assert.StartsWith("replaced: audit.jsonl differs from the anchored copy from line 1 on; the anchor", verdict.Message);
    }

    [Fact]
    public async Task An_anchor_pushed_with_another_key_is_not_trusted()
    {
        Record(2);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forger = new AuditLog(temp.Path / "forged" / AuditLog.FileName, new AuditSigner(other));
        forger.Append(AuditAction.Deploy, "clustersnek/prod", null, AuditOutcome.Succeeded, "Deploy", "ci");
        var (text, head) = forger.Snapshot()!.Value;
        await Anchor.PushAsync(text, head, null, ct: TestContext.Current.CancellationToken);
        var verdict = await Check();
        Assert.Equal(AnchorState.ForgedAnchor, verdict.State);
        Assert.Contains($"is not signed by the trusted key {Log.KeyId}", verdict.Message);
    }

    [Fact]
    public async Task VerifyAudit_anchors_an_intact_log_and_never_a_tampered_one()
    {
        var ct = TestContext.Current.CancellationToken;
        Record(2);
        var first = await AuditCheck.RunAsync(Log, TrustedKey, Anchor, "", restart: false, "release", ct);
        Assert.True(first.Intact && first.Anchored, string.Join("; ", first.Problems));
        Assert.StartsWith($"anchored at {Anchor.Reference}@sha256:", first.AnchorLine);
        var anchoredText = File.ReadAllText(Log.File);

        var lines = Lines();
        lines[0] = lines[0].Replace("svc0", "evil", StringComparison.Ordinal);
        File.WriteAllText(Log.File, string.Concat(lines.Select(l => l + "\n")));
        var second = await AuditCheck.RunAsync(Log, TrustedKey, Anchor, "", restart: false, "release", ct);
        Assert.False(second.Intact || second.Anchored);
        Assert.StartsWith("replaced: audit.jsonl differs from the anchored copy from line 1 on", second.Problems[0]);
        Assert.Equal(anchoredText, (await Anchor.FetchAsync(ct))!.Log); // the evidence stays in the registry
    }

    [Fact]
    public async Task Something_else_pushed_under_the_tag_is_a_replaced_anchor_not_a_missing_registry()
    {
        var ct = TestContext.Current.CancellationToken;
        Record(1);
        var reference = Anchor.Reference;
        var config = await registry.Client.PushBlobAsync(reference.Registry, reference.Repository, "{}"u8.ToArray(), MediaTypes.OciConfig, ct);
        var layer = await registry.Client.PushBlobAsync(reference.Registry, reference.Repository, "nothing"u8.ToArray(), MediaTypes.OciLayerGzip, ct);
        await registry.Client.PutManifestAsync(reference.Registry, reference.Repository, reference.Tag,
            new ImageManifest(2, MediaTypes.OciManifest, config, [layer]).ToBytes(), MediaTypes.OciManifest, ct);
        var result = await AuditCheck.RunAsync(Log, TrustedKey, Anchor, "", restart: true, null, ct);
        Assert.False(result.Intact || result.Anchored || result.Restarted);
        Assert.Contains("not a ClusterSnek audit anchor", result.Problems[0]);
    }

    [Fact]
    public async Task A_checkout_without_an_anchor_gets_its_first()
    {
        Record(1);
        Assert.Equal(AnchorState.NoAnchor, (await Check()).State);
    }

    [Fact]
    public async Task A_registry_that_does_not_answer_is_an_error_the_build_turns_into_local_only()
    {
        var gone = new AuditAnchor(registry.Client, new AuditAnchorReference($"127.0.0.1:{RegistryFixture.FreePort()}", AuditAnchorReference.RepositoryName, "t"));
        var e = await Assert.ThrowsAsync<RegistryException>(() => gone.FetchAsync(TestContext.Current.CancellationToken));
        Assert.Contains("cannot reach the registry", e.Message);
        Assert.False(AnchorVerdict.Unreachable("127.0.0.1:1", e.Message).Anchored);
    }
}
