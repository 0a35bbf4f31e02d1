using ClusterSnek.Images.Distribution;
using ClusterSnek.Tools;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The cosign CLI, used instead of the native signer when cosign is on PATH and no key is configured but an OIDC
/// identity is (GitHub Actions with id-token: write): keyless signing through Fulcio and Rekor.
/// </summary>
public sealed class CosignCli(ResolvedTool tool) : ToolWrapper(tool)
{
    public const string GitHubIssuer = "https://token.actions.githubusercontent.com";

    /// <summary>Keyless only when cosign is there, no key is configured, and the CI can mint an OIDC token.</summary>
    public static SignerKind Choose(bool cosignOnPath, bool keyConfigured, Func<string, string?> environment) =>
        cosignOnPath && !keyConfigured && !string.IsNullOrEmpty(environment("ACTIONS_ID_TOKEN_REQUEST_URL")) ? SignerKind.CosignKeyless : SignerKind.Native;

    public static IReadOnlyList<string> SignArguments(ImageReference image, Digest digest, string? keyPath) =>
        ["sign", "--yes", .. Key(keyPath), .. Insecure(image), image.ByDigest(digest).ToString()];

    public static IReadOnlyList<string> AttestArguments(ImageReference image, Digest digest, string predicateFile, string predicateType, string? keyPath) =>
        ["attest", "--yes", .. Key(keyPath), "--type", predicateType, "--predicate", predicateFile, .. Insecure(image), image.ByDigest(digest).ToString()];

    /// <summary>Key-based verification of a key-only (no transparency log) signature, the command docs/supply-chain.md shows.</summary>
    public static IReadOnlyList<string> VerifyArguments(ImageReference image, Digest digest, string publicKeyPath) =>
        ["verify", "--key", publicKeyPath, "--insecure-ignore-tlog", .. Insecure(image), image.ByDigest(digest).ToString()];

    /// <summary>Keyless verification: the certificate must name this repository's workflow and GitHub's issuer.</summary>
    public static IReadOnlyList<string> VerifyKeylessArguments(ImageReference image, Digest digest, string identityRegexp) =>
        ["verify", "--certificate-identity-regexp", identityRegexp, "--certificate-oidc-issuer", GitHubIssuer, .. Insecure(image), image.ByDigest(digest).ToString()];

    /// <summary>
    /// Keyless verification of the attestations of one predicate type (<c>--type slsaprovenance1</c> or <c>cyclonedx</c>): each must
    /// be signed by a certificate that names this repository's workflow and GitHub's issuer.
    /// </summary>
    public static IReadOnlyList<string> VerifyAttestationKeylessArguments(ImageReference image, Digest digest, string predicateType, string identityRegexp) =>
        ["verify-attestation", "--type", TypeName(predicateType), "--certificate-identity-regexp", identityRegexp,
            "--certificate-oidc-issuer", GitHubIssuer, .. Insecure(image), image.ByDigest(digest).ToString()];

    /// <summary>
    /// The statements in what <c>cosign verify-attestation</c> prints on stdout: one DSSE envelope per line for each attestation it
    /// verified (<c>{"payloadType":"application/vnd.in-toto+json","payload":"&lt;base64 statement&gt;","signatures":[…]}</c>; its
    /// progress and the checks it performed go to stderr). The signatures were checked by cosign; only the statements are read here.
    /// </summary>
    public static IReadOnlyList<InTotoStatement> ParseVerifiedAttestations(string stdout, string source)
    {
        var statements = new List<InTotoStatement>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{')) continue;
            var envelope = DsseEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(line), source);
            if (envelope.PayloadType != DsseEnvelope.InTotoPayloadType)
                throw new SigningException($"{source}: cosign returned an attestation of payloadType '{envelope.PayloadType}', not {DsseEnvelope.InTotoPayloadType}.");
            byte[] payload;
            try { payload = envelope.PayloadBytes(); }
            catch (FormatException) { throw new SigningException($"{source}: cosign returned an attestation whose payload is not base64."); }
            statements.Add(InTotoStatement.Parse(payload, source));
        }
        return statements;
    }

    public Task<ToolResult> SignAsync(ImageReference image, Digest digest, CancellationToken cancellation = default) =>
        RunAsync(SignArguments(image, digest, null), null, cancellation);

    public Task<ToolResult> AttestAsync(ImageReference image, Digest digest, string predicateFile, string predicateType, CancellationToken cancellation = default) =>
        RunAsync(AttestArguments(image, digest, predicateFile, predicateType, null), null, cancellation);

    public Task<ToolResult> VerifyKeylessAsync(ImageReference image, Digest digest, string identityRegexp, CancellationToken cancellation = default) =>
        RunAsync(VerifyKeylessArguments(image, digest, identityRegexp), new ToolCallOptions { RequireSuccess = false }, cancellation);

    public Task<ToolResult> VerifyAttestationKeylessAsync(ImageReference image, Digest digest, string predicateType, string identityRegexp, CancellationToken cancellation = default) =>
        RunAsync(VerifyAttestationKeylessArguments(image, digest, predicateType, identityRegexp), new ToolCallOptions { RequireSuccess = false }, cancellation);

    /// <summary>cosign's <c>--type</c> name for a predicate type URI.</summary>
    public static string TypeName(string predicateType) => predicateType switch
    {
        InTotoStatement.CycloneDxPredicate => "cyclonedx",
        InTotoStatement.SlsaProvenancePredicate => "slsaprovenance1",
        _ => predicateType,
    };

    static string[] Key(string? keyPath) => keyPath is null ? [] : ["--key", keyPath];

    // Loopback registries are plain HTTP; cosign needs to be told.
    static string[] Insecure(ImageReference image) => image.IsLoopback ? ["--allow-insecure-registry", "--allow-http-registry"] : [];
}
