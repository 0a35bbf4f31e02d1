using System.Security.Cryptography;
using ClusterSnek.Images;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Supply.Signing;
using Serilog;

// The audit log's keys and anchor: signed with the pipeline's signing identity, verified with the trust root, anchored in the
// run's registry (docs/report.md "Audit log", docs/supply-chain.md).
partial class Build
{
    [Parameter("Start a new audit log although the registry anchors an older one (after a deliberate Clean); the new anchor names the head it replaces")]
    public bool AuditRestart { get; set; }

    readonly Lock auditGate = new();
    AuditLog? pipelineAudit;
    Lazy<AuditTrust>? auditTrust;

    /// <summary>The key VerifyAudit checks the head with (the trust root's), or none, and what it is, in words.</summary>
    sealed record AuditTrust(byte[]? Key, string Description);

    /// <summary>This run's audit log, signed with the pipeline's signing identity; made the one every stage records into on first use.</summary>
    AuditLog PipelineAudit
    {
        get
        {
            lock (auditGate)
            {
                if (pipelineAudit is not null) return pipelineAudit;
                // Both on first use: a run that signs no head never decrypts the private key; the trust root is read after the
                // signing identity, which creates the development key on a fresh machine.
                var signer = new AuditSigner(AuditSigningKeyForRun);
                var trust = auditTrust = new Lazy<AuditTrust>(AuditTrustRoot);
                pipelineAudit = new AuditLog(ArtifactsDirectory / AuditLog.FileName, signer, () => trust.Value.Key is { } key ? [key] : []);
                AuditLog.Use(pipelineAudit);
                return pipelineAudit;
            }
        }
    }

    /// <summary>Makes this run's log the one library code (GitHubPublisher) records into.</summary>
    void UseAuditLog() => _ = PipelineAudit;

    /// <summary>Records a side effect (push, signature, deploy...) in the run's hash-chained audit log.</summary>
    void Audit(string action, string subject, string? digest, string outcome = AuditOutcome.Succeeded) =>
        PipelineAudit.Append(action, subject, digest, outcome);

    /// <summary>
    /// The signing identity Sign uses (--signing-key, else the development key under ~/.clustersnek/keys/dev), never a key under
    /// the checkout. A keyless run has no private key: its head is signed with a key that lives only in this process, and the
    /// anchor (registry and the GitHub run) is what holds it.
    /// </summary>
    (Func<byte[], byte[]>, byte[]) AuditSigningKeyForRun()
    {
        string reason;
        if (Keyless == ClusterSnek.Record.SignerKind.CosignKeyless) reason = "keyless signing has no private key";
        else
        {
            try
            {
                var identity = SigningIdentityFor();
                return (data => identity.Key.Sign(data), SubjectPublicKeyInfo(identity.Key.Public.Pem));
            }
            catch (SigningException e) { reason = e.Message; }
        }
        Log.Warning("The audit head is signed with a key of this run only ({Reason}); only its anchor can show it later", reason);
        var ephemeral = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (data => ephemeral.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), ephemeral.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The trust root VerifySignatures uses (committed cosign.pub, --signing-public-key, the dev key on a local run only).</summary>
    AuditTrust AuditTrustRoot()
    {
        try
        {
            var trust = VerificationTrustRoot();
            return new AuditTrust(SubjectPublicKeyInfo(File.ReadAllText(trust.PublicKey)),
                $"{trust.Source.ToString().ToLowerInvariant()} key {trust.PublicKey}");
        }
        catch (SigningException e) { return new AuditTrust(null, $"no trust root ({e.Message})"); }
    }

    static byte[] SubjectPublicKeyInfo(string pem)
    {
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    /// <summary>
    /// The registry the anchor lives in: --registry, else the embedded one when this checkout has one (its storage is
    /// artifacts/registry, so it anchors against a deleted log, not a deleted artifacts/). Null with the reason when there is none.
    /// </summary>
    async Task<(AuditAnchor? Anchor, RegistryClient? Client, string Reason)> AuditAnchorAsync(CancellationToken ct)
    {
        if (Registry is null && registryEndpoint is null && !Directory.Exists(EmbeddedRegistry.Directory))
            return (null, null, "embedded: no --registry, and this checkout has no embedded registry");
        RegistryEndpoint endpoint;
        try { endpoint = await EnsureRegistryAsync(ct); }
        catch (Exception e) when (e is InvalidOperationException or ClusterSnek.Tools.ToolUnavailableException or RegistryException)
        {
            return (null, null, $"{Registry ?? "embedded"}: {e.Message}");
        }
        var client = new RegistryClient(DockerConfigCredentials.Load());
        return (new AuditAnchor(client, AuditAnchorReference.For(endpoint.Address, RootDirectory, Environment.GetEnvironmentVariable)), client, "");
    }

    /// <summary>What the anchor refers to: the chart pushed and the image digests of the release, as far as this record knows them.</summary>
    string? AuditRelease()
    {
        var chart = Run.Get(Sections.Charts);
        var images = Run.Get(Sections.Images) ?? [];
        var parts = new List<string>();
        if (chart is not null) parts.Add(chart.Pushed ?? $"{chart.Name}:{chart.Version}");
        parts.AddRange(images.Select(i => $"{i.Reference}@{i.Digest.Value}"));
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    /// <summary>
    /// A log from before the audit key moved: its head is signed by the old per-checkout key .nuke/audit/audit-key.pem and no anchor
    /// exists. Said as such (with the fix), since that key is exactly what an attacker would re-sign with, nothing is accepted.
    /// </summary>
    string LegacyAuditKeyHint(AuditCheckResult result)
    {
        var legacy = RootDirectory / ".nuke" / "audit" / "audit-key.pem";
        if (result.Verdict.State is not (AnchorState.NoAnchor or AnchorState.Unreachable) || !File.Exists(legacy)) return "";
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(legacy));
            if (result.Head?.KeyId != AuditSigner.KeyIdOf(key.ExportSubjectPublicKeyInfo())) return "";
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException) { return ""; }
        return " (its head is signed by the old per-checkout key .nuke/audit/audit-key.pem, which is no longer trusted: if nobody " +
            "changed the log, keep a copy, then remove artifacts/audit.jsonl and artifacts/audit.head.json, or run ./build.sh Clean)";
    }

    /// <summary>On GitHub Actions the head (and its anchor) is also recorded with the run: a job summary line and step outputs.</summary>
    static void RecordAuditWithGitHubRun(AuditHead head, AuditCheckResult result)
    {
        if (Environment.GetEnvironmentVariable("GITHUB_ACTIONS") != "true") return;
        var line = $"{head.Entries} entries, head `{head.Head}`, signed by key `{head.KeyId}`; {result.AnchorLine}";
        if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
            File.AppendAllText(summary, Redactor.Redact($"\n**Audit log:** {line}\n"));
        if (Environment.GetEnvironmentVariable("GITHUB_OUTPUT") is { Length: > 0 } output)
            File.AppendAllText(output, Redactor.Redact($"audit-head={head.Head}\n" + (result.AnchorReference is { } r ? $"audit-anchor={r}\n" : "")));
    }
}
