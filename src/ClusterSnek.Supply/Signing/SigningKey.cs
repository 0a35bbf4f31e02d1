using System.Security.Cryptography;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Supply.Signing;

/// <summary>An ECDSA P-256 public key (PEM SubjectPublicKeyInfo, the format of cosign.pub) that verifies signatures.</summary>
public sealed class PublicKey : IDisposable
{
    readonly ECDsa key;

    PublicKey(ECDsa key, string pem)
    {
        this.key = key;
        Pem = pem;
        var spki = key.ExportSubjectPublicKeyInfo();
        KeyId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(spki));
    }

    public string Pem { get; }

    /// <summary>sha256 of the SubjectPublicKeyInfo DER: a stable name for the key in pipeline.json.</summary>
    public string KeyId { get; }

    public static PublicKey FromPem(string pem, string source)
    {
        if (!pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            throw new SigningException($"{source}: not a PEM public key (expected '-----BEGIN PUBLIC KEY-----', the format of cosign.pub).");
        var key = ECDsa.Create();
        try { key.ImportFromPem(pem); }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new SigningException($"{source}: cannot read the public key: {e.Message}");
        }
        if (key.KeySize != 256) { key.Dispose(); throw new SigningException($"{source}: the key is not ECDSA P-256 (cosign's default)."); }
        return new PublicKey(key, pem.Trim() + "\n");
    }

    public static PublicKey Load(string path) =>
        File.Exists(path) ? FromPem(File.ReadAllText(path), path) : throw new SigningException($"{path}: public key not found. Run ./build.sh GenerateSigningKey or point --signing-public-key at cosign.pub.");

    /// <summary>Checks an ASN.1 DER ECDSA signature (what cosign writes) over SHA-256 of <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature)
    {
        try { return key.VerifyData(data, derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence); }
        catch (CryptographicException) { return false; }
    }

    public void Dispose() => key.Dispose();
}

/// <summary>An ECDSA P-256 private key that signs with SHA-256 and writes ASN.1 DER signatures, as cosign does.</summary>
public sealed class SigningKey : IDisposable
{
    // PBES2 with AES-256-CBC and PBKDF2-SHA256: the encrypted PKCS#8 that openssl reads (openssl pkcs8 -in key.pem).
    static readonly PbeParameters Encryption = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000);

    readonly ECDsa key;

    SigningKey(ECDsa key, string origin)
    {
        this.key = key;
        Origin = origin;
        Public = PublicKey.FromPem(key.ExportSubjectPublicKeyInfoPem(), origin);
    }

    public PublicKey Public { get; }

    /// <summary>Where the key came from (a file path, or "generated"), for messages.</summary>
    public string Origin { get; }

    public static SigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), "generated");

    /// <summary>Reads an encrypted PKCS#8 PEM; the password is registered with the redactor before anything can log it.</summary>
    public static SigningKey Load(string path, string password)
    {
        Redactor.Register(password);
        if (!File.Exists(path)) throw new SigningException($"{path}: private key not found. Check --signing-key, or run ./build.sh GenerateSigningKey.");
        var pem = File.ReadAllText(path);
        RegisterPem(pem);
        if (!pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
            throw new SigningException($"{path}: not an encrypted PKCS#8 private key ('-----BEGIN ENCRYPTED PRIVATE KEY-----'). Unencrypted keys are refused.");
        var key = ECDsa.Create();
        try { key.ImportFromEncryptedPem(pem, password); }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new SigningException($"{path}: cannot decrypt the private key: wrong --signing-key-password, or the file is damaged.");
        }
        if (key.KeySize != 256) { key.Dispose(); throw new SigningException($"{path}: the key is not ECDSA P-256."); }
        return new SigningKey(key, path);
    }

    /// <summary>The private key as encrypted PKCS#8 PEM. Its lines are registered with the redactor.</summary>
    public string ExportEncryptedPem(string password)
    {
        Redactor.Register(password);
        var pem = key.ExportEncryptedPkcs8PrivateKeyPem(password, Encryption);
        RegisterPem(pem);
        return pem;
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    // Every base64 line of key material becomes a secret: a stray log of the file cannot leak it.
    static void RegisterPem(string pem)
    {
        foreach (var line in pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (!line.StartsWith("-----", StringComparison.Ordinal)) Redactor.Register(line);
    }

    public void Dispose() { key.Dispose(); Public.Dispose(); }
}

/// <summary>A signing or verification step that cannot go on; the message names the file or image and the fix.</summary>
public sealed class SigningException(string message) : Exception(message);
