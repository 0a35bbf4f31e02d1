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
}
