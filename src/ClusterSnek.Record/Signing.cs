namespace ClusterSnek.Record;

/// <summary>How images are signed: natively with a key pair, or keyless with the cosign CLI (GitHub OIDC).</summary>
public enum SignerKind { Native, CosignKeyless }

/// <summary>The signing section (written by Sign): who signed, with which key, and each image's signature and attestations.</summary>
public sealed record SigningRecord(
    SignerKind Signer, string? PublicKey, string? KeyId, bool DevelopmentKey, string? Issuer, string? VerifyCommand,
    IReadOnlyList<ImageSignature> Images);

/// <summary>One signed image digest: the signature tag (and its manifest digest) and the attestation tag with its predicate types.</summary>
public sealed record ImageSignature(string Service, Digest Digest, string Tag, Digest? Manifest, string? Attestations, IReadOnlyList<string> PredicateTypes);

/// <summary>
/// The signatureVerification section (written by VerifySignatures): an independent check of every image against a public key
/// (or keyless identity), after signing. Deploy's gate takes only these verdicts.
/// </summary>
public sealed record SignatureVerificationRecord(SignerKind Method, string? PublicKey, string? KeyId, IReadOnlyList<ImageVerdict> Images)
{
    /// <summary>Where the public key the images were checked against came from (null for keyless verification).</summary>
    public KeySource? KeySource { get; init; }

    /// <summary>Verdicts on clustersnek.yaml's trusted external images (service = the image's repository), each with its own key.</summary>
    public IReadOnlyList<ImageVerdict> External { get; init; } = [];

    [System.Text.Json.Serialization.JsonIgnore] public bool Passed => Images.Count > 0 && Images.All(i => i.Passed);
}

/// <summary>The verdict on one image digest: passed or not, and the reasons.</summary>
public sealed record ImageVerdict(string Service, Digest Digest, bool Passed, IReadOnlyList<string> Reasons);

/// <summary>
/// Where a verification's public key comes from, never from the run's own artifacts: the committed key (clustersnek.yaml
/// signing.publicKey), --signing-public-key, or the per-user development key (local runs only: not a release).
/// </summary>
public enum KeySource { Committed, Parameter, Development }
