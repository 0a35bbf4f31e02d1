using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>cosign is not obtainable here: these check the arguments the wrapper builds and when it is chosen.</summary>
public sealed class CosignCliTests
{
    static readonly Digest D = new("sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36");

    [Fact]
    public void Keyless_signing_is_chosen_only_with_cosign_no_key_and_an_OIDC_token_endpoint()
    {
        static string? Ci(string name) => name == "ACTIONS_ID_TOKEN_REQUEST_URL" ? "https://token" : null;
        Assert.Equal(SignerKind.CosignKeyless, CosignCli.Choose(cosignOnPath: true, keyConfigured: false, Ci));
        Assert.Equal(SignerKind.Native, CosignCli.Choose(cosignOnPath: false, keyConfigured: false, Ci));
        Assert.Equal(SignerKind.Native, CosignCli.Choose(cosignOnPath: true, keyConfigured: true, Ci));
        Assert.Equal(SignerKind.Native, CosignCli.Choose(cosignOnPath: true, keyConfigured: false, _ => null));
    }

    [Fact]
    public void Keyless_sign_signs_the_digest_not_the_tag()
    {
        var args = CosignCli.SignArguments(ImageReference.Parse("ghcr.io/org/backend:1.0"), D, null);
        Assert.Equal(["sign", "--yes", "ghcr.io/org/backend@" + D], args);
    }

    [Fact]
    public void Attest_names_cosigns_predicate_type_and_file()
    {
        var args = CosignCli.AttestArguments(ImageReference.Parse("ghcr.io/org/backend"), D, "artifacts/sbom/backend.cdx.json",
            CosignCli.TypeName(InTotoStatement.CycloneDxPredicate), null);
        Assert.Equal(["attest", "--yes", "--type", "cyclonedx", "--predicate", "artifacts/sbom/backend.cdx.json", "ghcr.io/org/backend@" + D], args);
        Assert.Equal("slsaprovenance1", CosignCli.TypeName(InTotoStatement.SlsaProvenancePredicate));
    }

    [Fact]
    public void A_loopback_registry_is_allowed_over_plain_http()
    {
        var args = CosignCli.VerifyArguments(ImageReference.Parse("127.0.0.1:5000/clustersnek/backend"), D, "cosign.pub");
        Assert.Equal(["verify", "--key", "cosign.pub", "--insecure-ignore-tlog", "--allow-insecure-registry", "--allow-http-registry",
            "127.0.0.1:5000/clustersnek/backend@" + D], args);
    }

    [Fact]
    public void Keyless_verification_pins_the_identity_and_githubs_issuer()
    {
        var args = CosignCli.VerifyKeylessArguments(ImageReference.Parse("ghcr.io/org/backend"), D, "^https://github.com/org/repo/");
        Assert.Equal(["verify", "--certificate-identity-regexp", "^https://github.com/org/repo/", "--certificate-oidc-issuer",
            "https://token.actions.githubusercontent.com", "ghcr.io/org/backend@" + D], args);
    }

    [Fact]
    public void Keyless_attestation_verification_asks_for_each_predicate_type_with_the_identity_and_githubs_issuer()
    {
        var image = ImageReference.Parse("ghcr.io/org/backend");
        Assert.Equal(["verify-attestation", "--type", "slsaprovenance1", "--certificate-identity-regexp", "^https://github.com/org/repo/",
            "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", "ghcr.io/org/backend@" + D],
            CosignCli.VerifyAttestationKeylessArguments(image, D, InTotoStatement.SlsaProvenancePredicate, "^https://github.com/org/repo/"));
        Assert.Equal("cyclonedx", CosignCli.VerifyAttestationKeylessArguments(image, D, InTotoStatement.CycloneDxPredicate, "^x")[2]);
    }

    // cosign's documented output of verify-attestation (sigstore docs, "Verifying an attestation": `cosign verify-attestation … | jq
    // -r .payload | base64 -d`): stdout holds one DSSE envelope per verified attestation, one JSON object per line; the
    // "Verification for … The following checks were performed" text goes to stderr.
    static string CosignStdout(params InTotoStatement[] statements) => string.Join("\n", statements.Select(s =>
        $$"""{"payloadType":"application/vnd.in-toto+json","payload":"{{Convert.ToBase64String(s.ToBytes())}}","signatures":[{"keyid":"","sig":"MEUCIQDfake"}]}"""));

    static InTotoStatement Provenance(Digest subject) => InTotoStatement.For(ImageReference.Parse("ghcr.io/org/backend"), subject,
        InTotoStatement.SlsaProvenancePredicate, new System.Text.Json.Nodes.JsonObject { ["buildDefinition"] = new System.Text.Json.Nodes.JsonObject() });

    static ClusterSnek.Tools.ToolResult Cosign(int exit, string stdout, string stderr = "") =>
        new("cosign", [], exit, stdout, stderr, TimeSpan.Zero);

    [Fact]
    public void The_statements_of_cosigns_documented_verify_attestation_output_are_read()
    {
        var statements = CosignCli.ParseVerifiedAttestations(CosignStdout(Provenance(D), Provenance(D)) + "\n", "test");
        Assert.Equal(2, statements.Count);
        Assert.Equal(D, statements[0].Subjects[0].Digest);
        Assert.Equal(InTotoStatement.SlsaProvenancePredicate, statements[0].PredicateType);
    }

    [Fact]
    public void A_verified_statement_about_this_digest_is_kept_for_the_policies()
    {
        var reasons = new List<string>();
        var found = KeylessSignStage.Statements(Cosign(0, CosignStdout(Provenance(D))), ImageReference.Parse("ghcr.io/org/backend"), D,
            InTotoStatement.SlsaProvenancePredicate, reasons);
        Assert.Empty(reasons);
        Assert.Single(found);
    }

    [Fact]
    public void Without_a_verified_attestation_the_image_is_not_verified()
    {
        var image = ImageReference.Parse("ghcr.io/org/backend");
        var failed = new List<string>();
        var none = new List<string>();
        var other = new List<string>();
        var otherDigest = new Digest("sha256:" + new string('b', 64));

        KeylessSignStage.Statements(Cosign(1, "", "Error: no matching attestations: none of the attestations matched the predicate type: slsaprovenance1"),
            image, D, InTotoStatement.SlsaProvenancePredicate, failed);
        KeylessSignStage.Statements(Cosign(0, ""), image, D, InTotoStatement.SlsaProvenancePredicate, none);
        KeylessSignStage.Statements(Cosign(0, CosignStdout(Provenance(otherDigest))), image, D, InTotoStatement.SlsaProvenancePredicate, other);

        Assert.Equal(["cosign verify-attestation --type slsaprovenance1 (keyless): Error: no matching attestations: none of the attestations matched the predicate type: slsaprovenance1"], failed);
        Assert.Equal(["cosign verify-attestation --type slsaprovenance1 (keyless): cosign verified no https://slsa.dev/provenance/v1 attestation"], none);
        Assert.Equal([$"https://slsa.dev/provenance/v1 attestation: statement subject mismatch: it names {otherDigest}, not {D}"], other);
    }
}
