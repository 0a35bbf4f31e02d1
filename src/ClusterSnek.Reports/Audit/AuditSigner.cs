using System.Security.Cryptography;
using System.Text;

namespace ClusterSnek.Reports.Audit;

/// <summary>Signs the audit head: ECDSA P-256 over SHA-256, DER signature, key named by the SHA-256 of its public key.</summary>
public sealed class AuditSigner
{
    readonly Lazy<(Func<byte[], byte[]> Sign, byte[] PublicKey)> key;

    /// <summary>Signs with a key held elsewhere (a KMS, the supply-chain key store): DER ECDSA-P256-SHA256 signatures over the bytes given.</summary>
    public AuditSigner(Func<byte[], byte[]> sign, byte[] subjectPublicKeyInfo) : this(() => (sign, subjectPublicKeyInfo)) => _ = PublicKey;

    /// <summary>
    /// Signs with a key resolved on first use (the pipeline's signing identity: loading it decrypts the private key, which a run
    /// that signs no head never needs).
    /// </summary>
    public AuditSigner(Func<(Func<byte[], byte[]> Sign, byte[] SubjectPublicKeyInfo)> resolve) =>
        key = new(() =>
        {
            var resolved = resolve();
            using var check = ECDsa.Create();
            check.ImportSubjectPublicKeyInfo(resolved.SubjectPublicKeyInfo, out _);
            if (check.KeySize != 256) throw new ArgumentException($"The audit key must be ECDSA P-256; this one has {check.KeySize} bits.");
            return resolved;
        });

    public AuditSigner(ECDsa key) : this(data => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), key.ExportSubjectPublicKeyInfo()) { }

    public byte[] PublicKey => key.Value.PublicKey;
    public string KeyId => KeyIdOf(PublicKey);
    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", PublicKey);

    public byte[] Sign(byte[] data) => key.Value.Sign(data);

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    /// <summary>What the head signature covers: format, entry count and the hash of the last line.</summary>
    public static byte[] HeadMessage(long entries, string head) => Encoding.UTF8.GetBytes($"clustersnek-audit-head/v1\n{entries}\n{head}");

    public static bool Verify(byte[] subjectPublicKeyInfo, byte[] message, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        return key.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }
}
