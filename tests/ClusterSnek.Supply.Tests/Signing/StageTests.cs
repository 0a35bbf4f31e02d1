using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>The Sign and VerifySignatures stages over several images, against the real registry.</summary>
[Collection("registry")]
public sealed class StageTests(RegistryFixture registry) : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly AbsolutePath root = new(Path.Combine(Path.GetTempPath(), "clustersnek-stage-" + Guid.NewGuid().ToString("N")[..8]));
    readonly SigningKey key = SigningKey.Generate();

    public void Dispose()
    {
        key.Dispose();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    static ProvenanceFacts Facts => ProvenanceFacts.FromRun(null, "Sign", _ => null);

    async Task<ImageEntry> ImageAsync(string service, bool withSbom)
    {
        var (image, digest) = await registry.PushImageAsync("stage/" + service, "v1", new Dictionary<string, string> { ["svc"] = service });
        var entry = new ImageEntry(service, image.Name, "v1", digest, 0, null, 0, "test", null);
        if (withSbom)
        {
            (root / "sbom").CreateDirectory();
            await File.WriteAllTextAsync(ClusterSnek.Supply.Sbom.SbomStage.FileFor(root / "sbom", entry), """{"bomFormat":"CycloneDX","specVersion":"1.5"}""", Ct);
        }
        return entry;
    }

    SignStage Signer => new(registry.Client, new SigningIdentity(key, root / "cosign.pub", false), root / "sbom", root);

    [Fact]
    public async Task A_missing_SBOM_stops_signing_before_anything_is_pushed()
    {
        var ready = await ImageAsync("ready", withSbom: true);
        var missing = await ImageAsync("nosbom", withSbom: false);
        var e = await Assert.ThrowsAsync<SigningException>(() => Signer.RunAsync([ready, missing], Facts, Ct));
        Assert.StartsWith("nosbom: no SBOM at sbom/nosbom.cdx.json; run the Sbom target first", e.Message, StringComparison.Ordinal);
        var (image, digest) = (ready.Repository, ready.Digest);
        Assert.Null(await registry.Client.ResolveAsync(image.WithTag(CosignFormat.SignatureTag(digest)), Ct));
    }

    [Fact]
    public async Task Verification_fails_closed_naming_each_unsigned_image()
    {
        var signed = await ImageAsync("signed", withSbom: true);
        var unsigned = await ImageAsync("unsigned", withSbom: false);
        var signing = await Signer.RunAsync([signed], Facts, Ct);
        var verdicts = await new VerifyStage(registry.Client, key.Public).RunAsync([signed, unsigned], Ct);
        var e = Assert.Throws<SigningException>(() => VerifyStage.EnsurePassed(verdicts));
        Assert.Equal([true, false], verdicts.Select(v => v.Passed));
        Assert.Equal(signed.Digest, Assert.Single(signing.Images).Digest);
        Assert.StartsWith("Signature verification failed for 1 of 2 image(s): unsigned: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("no signature", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("signed: ", e.Message.Replace("unsigned: ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_signed_by_a_key_recorded_in_artifacts_fails_against_the_committed_trust_root()
    {
        // The tamper: whoever can write artifacts/ signs with their own key and records its public half there.
        var entry = await ImageAsync("planted", withSbom: true);
        using var attacker = SigningKey.Generate();
        (root / "artifacts").CreateDirectory();
        File.WriteAllText(root / "artifacts" / "cosign.pub", attacker.Public.Pem);
        await new SignStage(registry.Client, new SigningIdentity(attacker, root / "artifacts" / "cosign.pub", false), root / "sbom", root).RunAsync([entry], Facts, Ct);
        File.WriteAllText(root / "cosign.pub", key.Public.Pem);

        var trust = TrustRoot.Resolve(root, root / "artifacts", null, "cosign.pub", root / "no-dev-key", localRun: false);
        using var trusted = PublicKey.Load(trust.PublicKey);
        var verdict = Assert.Single(await new VerifyStage(registry.Client, trusted).RunAsync([entry], Ct));

        Assert.Equal(KeySource.Committed, trust.Source);
        Assert.False(verdict.Passed);
    }

    [Fact]
    public async Task A_trusted_external_image_verifies_with_its_declared_key_and_fails_with_any_other()
    {
        var (image, digest) = await registry.PushImageAsync("acme/wget", "1.36", new Dictionary<string, string> { ["svc"] = "wget" });
        using var acme = SigningKey.Generate();
        await new ImageSigner(registry.Client, acme).SignAsync(image, digest, [], Ct);
        var byDigest = new ImageReference(image.Registry, image.Repository);

        var verdicts = await VerifyStage.ExternalAsync(registry.Client, [(byDigest, digest, acme.Public), (byDigest, digest, key.Public)], Ct);

        Assert.Equal([true, false], verdicts.Select(v => v.Passed));
        Assert.Equal(byDigest.Name, verdicts[0].Service);
    }

    [Fact]
    public async Task The_attestation_policies_judge_each_image_by_the_commit_it_was_built_from_in_one_trivy_run()
    {
        const string Local = "https://github.com/clustersnek/clustersnek/local-builder";
        static ProvenanceFacts At(string commit) => new(Local, "1", "Sign", new Dictionary<string, object?>(), null, commit, "urn:uuid:1",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        // Signed at another commit than the release's; signed at the release's; built (cached) at 2222… and signed while the run was at 3333….
        var oldCommit = await ImageAsync("oldcommit", withSbom: true);
        var goodCommit = await ImageAsync("goodcommit", withSbom: true);
        var cached = (await ImageAsync("cachedbuild", withSbom: true)) with { Revision = "2222222222222222222222222222222222222222" };
        await Signer.RunAsync([oldCommit], At("0000000000000000000000000000000000000000"), Ct);
        await Signer.RunAsync([goodCommit], At("1111111111111111111111111111111111111111"), Ct);
        await Signer.RunAsync([cached], At("3333333333333333333333333333333333333333"), Ct);
        var sboms = new[] { oldCommit, goodCommit, cached }.ToDictionary(e => e.Digest, e => ($"sbom/{e.Service}.cdx.json",
            System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(ClusterSnek.Supply.Sbom.SbomStage.FileFor(root / "sbom", e)))!));
        var policy = new AttestationPolicy(ProvenanceFacts.BuildType, [Local], "1111111111111111111111111111111111111111", d => sboms[d])
        {
            CommitFor = digest => digest == cached.Digest ? cached.Revision : null,
        };

        var verdicts = await new VerifyStage(registry.Client, key.Public) { Policy = policy, Rego = await Regos.CreateAsync() }
            .RunAsync([oldCommit, goodCommit, cached], Ct);

        Assert.False(verdicts[0].Passed);
        Assert.Equal("provenance attestation refused by policy: ATT004 predicate.buildDefinition.resolvedDependencies[].digest.gitCommit: " +
            "expected 1111111111111111111111111111111111111111, found 0000000000000000000000000000000000000000", Assert.Single(verdicts[0].Reasons));
        Assert.True(verdicts[1].Passed, string.Join("; ", verdicts[1].Reasons));
        Assert.True(verdicts[2].Passed, string.Join("; ", verdicts[2].Reasons));
    }

    [Fact]
    public async Task Signing_a_digest_this_key_already_signed_and_attested_pushes_nothing_and_records_the_existing_signature()
    {
        var entry = await ImageAsync("again", withSbom: true);
        var sigTag = entry.Repository.WithTag(CosignFormat.SignatureTag(entry.Digest));
        var attTag = entry.Repository.WithTag(CosignFormat.AttestationTag(entry.Digest));
        var first = Assert.Single((await Signer.RunAsync([entry], Facts, Ct)).Images);
        var (sigManifest, attManifest) = (await registry.Client.ResolveAsync(sigTag, Ct), await registry.Client.ResolveAsync(attTag, Ct));

        var second = Assert.Single((await Signer.RunAsync([entry], Facts, Ct)).Images);
        await Signer.RunAsync([entry], Facts, Ct);

        Assert.Equal(sigManifest, await registry.Client.ResolveAsync(sigTag, Ct));
        Assert.Equal(attManifest, await registry.Client.ResolveAsync(attTag, Ct));
        Assert.Single((await registry.Client.GetManifestAsync(sigTag, Ct)).AsImage(sigTag.ToString()).Layers);
        Assert.Equal(2, (await registry.Client.GetManifestAsync(attTag, Ct)).AsImage(attTag.ToString()).Layers.Count);
        Assert.Equal((first.Digest, first.Tag, first.Manifest, first.Attestations), (second.Digest, second.Tag, second.Manifest, second.Attestations));
        Assert.Equal(first.PredicateTypes.Order(), second.PredicateTypes.Order());
    }

    [Theory]
    [InlineData("old")]
    [InlineData("commit")]
    public async Task Existing_attestations_this_run_would_not_write_are_made_again_so_the_policies_pass(string what)
    {
        var entry = (await ImageAsync("outdated" + what, withSbom: true)) with { Revision = "4444444444444444444444444444444444444444" };
        var attTag = entry.Repository.WithTag(CosignFormat.AttestationTag(entry.Digest));
        var before = what == "old"
            ? Facts with { Commit = entry.Revision, StartedOn = DateTimeOffset.UtcNow.AddDays(-20), FinishedOn = DateTimeOffset.UtcNow.AddDays(-20) }
            : Facts with { Commit = "5555555555555555555555555555555555555555" };
        await Signer.RunAsync([entry with { Revision = null }], before, Ct);
        var old = await registry.Client.ResolveAsync(attTag, Ct);

        await Signer.RunAsync([entry], Facts, Ct);

        Assert.NotEqual(old, await registry.Client.ResolveAsync(attTag, Ct));
    }

    [Fact]
    public async Task A_digest_signed_only_by_another_key_is_signed_by_this_one()
    {
        var entry = await ImageAsync("otherkey", withSbom: true);
        using var other = SigningKey.Generate();
        await new SignStage(registry.Client, new SigningIdentity(other, root / "other.pub", false), root / "sbom", root).RunAsync([entry], Facts, Ct);

        await Signer.RunAsync([entry], Facts, Ct);

        Assert.True((await new SignatureVerifier(registry.Client, key.Public).VerifyAsync(entry.Repository, entry.Digest, cancellation: Ct)).Passed);
        var sigTag = entry.Repository.WithTag(CosignFormat.SignatureTag(entry.Digest));
        Assert.Equal(2, (await registry.Client.GetManifestAsync(sigTag, Ct)).AsImage(sigTag.ToString()).Layers.Count);
    }

    [Fact]
    public async Task Signing_an_image_that_is_not_in_the_registry_is_refused()
    {
        var image = new ImageReference(registry.Host, "stage/ghost");
        var e = await Assert.ThrowsAsync<SigningException>(() => new ImageSigner(registry.Client, key).SignAsync(image, Digest.Compute("ghost"u8), [], Ct));
        Assert.Contains("the image is not in the registry; nothing was signed", e.Message, StringComparison.Ordinal);
    }
}
