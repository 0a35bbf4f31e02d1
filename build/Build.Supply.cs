using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Supply;
using ClusterSnek.Supply.Sbom;
using ClusterSnek.Supply.Signing;
using ClusterSnek.Tools;

partial class Build
{
    [Parameter("Encrypted PKCS#8 private signing key, outside the repository (GenerateSigningKey writes it); without it a local development key signs")]
    public AbsolutePath? SigningKey { get; set; }

    [Parameter("Password of --signing-key")]
    [Secret]
    public string? SigningKeyPassword { get; set; }

    [Parameter("Refuse the local development key: sign only with --signing-key (or keyless cosign); on when CI=true")]
    public bool RequireSigningKey { get; set; } = Environment.GetEnvironmentVariable("CI") == "true";

    [Parameter("Public key VerifySignatures checks against (default: the committed clustersnek.yaml signing.publicKey; on a local run without it, the development key)",
        MustExist = true)]
    public AbsolutePath? SigningPublicKey { get; set; }

    [Parameter("How many days old a verified provenance attestation may be (policies/attestations ATT006)")]
    public int AttestationMaxAgeDays { get; set; } = AttestationPolicy.DefaultMaxAgeDays;

    Target Sign => _ => _
        .Description("Sign each image digest (cosign format) and attach its SBOM and SLSA provenance as signed attestations")
        .DependsOn(Scan, Sbom, Promote) // Promote: the release reference exists only for images the scan gate passed
        .Reads(Sections.Images, Sections.Reproducibility)
        .Requires(new Check("signing key", () =>
            SigningKey is not null && !File.Exists(SigningKey) ? $"--signing-key {SigningKey}: no such file (CLUSTERSNEK_SIGNING_KEY); "
                + $"give the encrypted private key, or write one with ./build.sh GenerateSigningKey --signing-key {SigningKey}."
            : SigningKey is not null && string.IsNullOrEmpty(SigningKeyPassword) ? "--signing-key is set but --signing-key-password is not (CLUSTERSNEK_SIGNING_KEY_PASSWORD)."
            : RequireSigningKey && SigningKey is null && Keyless == SignerKind.Native ? "--require-signing-key: no --signing-key given and the development key is refused; pass --signing-key and --signing-key-password, or run ./build.sh GenerateSigningKey."
            : null))
        .Executes(async ct =>
        {
            await EnsureRegistryAsync(ct);
            var images = RecordedImages();
            var provenance = ProvenanceFacts.FromRun(Run, "Sign") with { Reproducibility = Run.Get(Sections.Reproducibility) };
            SigningRecord signing;
            if (Keyless == SignerKind.CosignKeyless)
                signing = await new KeylessSignStage(CosignTool(), SbomDirectory, ArtifactsDirectory / "signing").RunAsync(images, provenance, ct);
            else
            {
                using var identity = SigningIdentityFor();
                using var registry = new RegistryClient(DockerConfigCredentials.Load());
                signing = await new SignStage(registry, identity, SbomDirectory, RootDirectory)
                    { RefreshAfter = TimeSpan.FromDays(AttestationMaxAgeDays / 2.0) }.RunAsync(images, provenance, ct);
            }
            Run.Set(Sections.Signing, signing);
            foreach (var signed in signing.Images)
            {
                var repository = images.First(i => i.Service == signed.Service).Reference;
                Audit(AuditAction.Signature, $"{repository}:{signed.Tag}", signed.Digest.Value);
                if (signed.Attestations is not null) Audit(AuditAction.Attestation, $"{repository}:{signed.Attestations}", signed.Digest.Value);
            }
        });

    Target VerifySignatures => _ => _
        .Description("Fail closed unless every release image's signature and attestations verify with the public key")
        .Reads(Sections.Images, Sections.Signing)
        .Requires(new Check("attestation max age", () => AttestationMaxAgeDays < 1
            ? $"--attestation-max-age-days {AttestationMaxAgeDays}: must be at least 1 (days a provenance attestation may be old)." : null))
        .Executes(async ct =>
        {
            await EnsureRegistryAsync(ct);
            var images = RecordedImages();
            var policy = AttestationPolicyFor(images);
            var rego = await AttestationRegoAsync(ct);
            SignatureVerificationRecord record;
            if (Run.Get(Sections.Signing)?.Signer == SignerKind.CosignKeyless)
            {
                var repository = Environment.GetEnvironmentVariable("GITHUB_REPOSITORY")
                    ?? throw new SigningException("These images were signed keyless on GitHub Actions; verify them there (GITHUB_REPOSITORY names the identity), or re-sign with a key.");
                record = new SignatureVerificationRecord(SignerKind.CosignKeyless, null, null,
                    await KeylessSignStage.VerifyAsync(CosignTool(), images, $"^https://github.com/{repository}/", policy, rego, ct));
            }
            else
            {
                var trust = VerificationTrustRoot();
                using var key = PublicKey.Load(trust.PublicKey);
                using var registry = new RegistryClient(DockerConfigCredentials.Load());
                record = new SignatureVerificationRecord(SignerKind.Native,
                    trust.PublicKey.IsInside(RootDirectory) ? trust.PublicKey.RelativeTo(RootDirectory) : trust.PublicKey.Value,
                    key.KeyId, await new VerifyStage(registry, key) { Policy = policy, Rego = rego }.RunAsync(images, ct)) { KeySource = trust.Source };
                if (trust.Source == KeySource.Development)
                    Serilog.Log.Warning("Verified with the development key {Key} (local run only): not a release verification", trust.PublicKey);
            }
            record = record with { External = await VerifyTrustedImagesAsync(ct) };
            Run.Set(Sections.SignatureVerification, record);
            VerifyStage.EnsurePassed([.. record.Images, .. record.External]);
        });

    Target GenerateSigningKey => _ => _
        .Description("Write cosign.pub (commit it) and an encrypted private key outside the repository (--signing-key, --signing-key-password)")
        .Requires(() => SigningKey)
        .Requires(() => SigningKeyPassword)
        .Executes(() =>
        {
            var pub = KeyStore.Generate(RootDirectory, RootDirectory / Manifest.Signing.PublicKey, SigningKey!, SigningKeyPassword!);
            Serilog.Log.Information("Wrote {Public} (commit it) and {Private}; key id {KeyId}", Manifest.Signing.PublicKey, SigningKey, pub.KeyId);
        });

    // cosign is not pinned (not obtainable here); the one on PATH is used as found.
    static CosignCli CosignTool() => new(new ResolvedTool(new ToolPin("cosign", "2", new DebianSource("cosign"), null, ["version"]), "PATH",
        Toolchain.FindOnPath("cosign") ?? throw new SigningException("cosign is not on PATH; keyless signing and verification need it."), "PATH"));

    SignerKind Keyless => CosignCli.Choose(Toolchain.FindOnPath("cosign") is not null, SigningKey is not null, Environment.GetEnvironmentVariable);

    static readonly System.Threading.Lock SigningKeyGate = new();

    /// <summary>The run's signing identity; one at a time (Scan and Sbom publishing their cache entries side by side must not both create the development key).</summary>
    SigningIdentity SigningIdentityFor()
    {
        lock (SigningKeyGate) return KeyStore.Resolve(RootDirectory, Manifest.Signing.PublicKey, SigningKey?.Value, SigningKeyPassword, Manifest.Signing.DevelopmentKeyDirectory, RequireSigningKey);
    }

    /// <summary>The Rego attestation policies (policies/attestations/rego), run by the pinned trivy; inputs and verdicts under artifacts/attestations.</summary>
    async Task<AttestationRego> AttestationRegoAsync(CancellationToken ct) =>
        new(new Trivy(await Toolchain.ResolveAsync(ToolPins.Trivy, ct), TrivyCache), RootDirectory / "policies" / "attestations" / "rego",
            ArtifactsDirectory / "attestations")
        {
            VerdictFile = ArtifactsDirectory / "attestations" / "verdict.sealed", VerdictSeal = Seal,
        };

    /// <summary>
    /// What this run's attestations must say: ClusterSnek's build type, the builder this environment is (the GitHub workflow, or
    /// the local builder), the commit each image was built from (the run's when unknown), and for the SBOM attestation the SBOM
    /// Sbom wrote for the digest.
    /// </summary>
    AttestationPolicy AttestationPolicyFor(IReadOnlyList<ImageEntry> images)
    {
        var expected = ProvenanceFacts.FromRun(Run, "VerifySignatures");
        return new AttestationPolicy(ProvenanceFacts.BuildType, [expected.BuilderId], expected.Commit, digest =>
            images.FirstOrDefault(i => i.Digest == digest) is { } image && SbomStage.FileFor(SbomDirectory, image) is var file && File.Exists(file)
                ? (new AbsolutePath(file).RelativeTo(RootDirectory), System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!)
                : null)
        {
            CommitFor = digest => images.FirstOrDefault(i => i.Digest == digest)?.Revision,
            MaxAge = TimeSpan.FromDays(AttestationMaxAgeDays),
        };
    }

    /// <summary>clustersnek.yaml trustedImages, each checked with its own declared key (never one from artifacts/).</summary>
    async Task<IReadOnlyList<ImageVerdict>> VerifyTrustedImagesAsync(CancellationToken ct)
    {
        if (Manifest.TrustedImages.Count == 0) return [];
        var keys = Manifest.TrustedImages.Select(t => PublicKey.Load(TrustRoot.Declared(RootDirectory, ArtifactsDirectory, t.PublicKey,
            $"{ClusterSnek.Stack.StackManifest.FileName}:{t.Line} trustedImages publicKey").PublicKey)).ToList();
        try
        {
            using var registry = new RegistryClient(DockerConfigCredentials.Load());
            return await VerifyStage.ExternalAsync(registry,
                Manifest.TrustedImages.Select((t, i) => (ImageReference.Parse(t.Repository), new Digest(t.Digest), keys[i])).ToList(), ct);
        }
        finally { foreach (var key in keys) key.Dispose(); }
    }

    /// <summary>The key VerifySignatures trusts: never the one the signer recorded in pipeline.json (artifacts/ is anyone's to edit).</summary>
    TrustRoot VerificationTrustRoot() => TrustRoot.Resolve(RootDirectory, ArtifactsDirectory, SigningPublicKey, Manifest.Signing.PublicKey,
        Manifest.Signing.DevelopmentKeyDirectory, localRun: !RequireSigningKey && Environment.GetEnvironmentVariable("CI") != "true");
}
