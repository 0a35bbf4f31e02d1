using System.Security.Cryptography;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>The key a run signs with, where its public half lives, and whether it is the local development key.</summary>
public sealed record SigningIdentity(SigningKey Key, string PublicKeyPath, bool IsDevelopmentKey) : IDisposable
{
    public string KeyId => Key.Public.KeyId;

    public void Dispose() => Key.Dispose();
}

/// <summary>
/// Creates and finds signing keys: the project key (cosign.pub in the repository, the encrypted private key outside it)
/// and the per-user development key that lets a fresh clone sign without any setup.
/// </summary>
public static class KeyStore
{
    public const string PrivateKeyFile = "cosign.key";
    public const string PublicKeyFile = "cosign.pub";
    const string PasswordFile = "password";
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Warned = new();

    /// <summary>
    /// Writes <paramref name="publicKeyPath"/> (meant to be committed) and the encrypted private key. Everything is checked
    /// before anything is written: no overwrite, no private key inside the work tree, a password of 12+ characters.
    /// </summary>
    public static PublicKey Generate(AbsolutePath workTree, AbsolutePath publicKeyPath, AbsolutePath privateKeyPath, string password)
    {
        Redactor.Register(password);
        if (privateKeyPath.IsInside(workTree))
            throw new SigningException($"--signing-key {privateKeyPath}: refusing to write a private key inside the work tree {workTree}; choose a path outside it, e.g. ~/.clustersnek/keys/cosign.key.");
        if (File.Exists(privateKeyPath))
            throw new SigningException($"--signing-key {privateKeyPath}: a key already exists; refusing to overwrite it. Delete it yourself if you mean to replace it.");
        if (File.Exists(publicKeyPath))
            throw new SigningException($"{publicKeyPath}: a public key already exists; refusing to overwrite it (signatures made with its key would stop verifying).");
        if (password.Length < 12)
            throw new SigningException("--signing-key-password: use at least 12 characters to protect the private key.");

        using var key = SigningKey.Generate();
        WritePrivate(privateKeyPath, key.ExportEncryptedPem(password));
        File.WriteAllText(publicKeyPath, key.Public.Pem);
        return PublicKey.FromPem(key.Public.Pem, publicKeyPath);
    }

    /// <summary>
    /// The key for this run: the configured one when <paramref name="privateKeyPath"/> is given (its public half must match
    /// cosign.pub when that exists), else the development key, which <paramref name="requireProjectKey"/> refuses.
    /// </summary>
    public static SigningIdentity Resolve(AbsolutePath workTree, string publicKeyPath, string? privateKeyPath, string? password,
        string developmentKeyDirectory, bool requireProjectKey)
    {
        var committedPublic = Path.IsPathRooted(publicKeyPath) ? publicKeyPath : workTree / publicKeyPath;
        if (privateKeyPath is { Length: > 0 })
        {
            if (string.IsNullOrEmpty(password))
                throw new SigningException("--signing-key is set but --signing-key-password is not (CLUSTERSNEK_SIGNING_KEY_PASSWORD).");
            var key = SigningKey.Load(privateKeyPath, password);
            if (File.Exists(committedPublic))
            {
                using var committed = PublicKey.Load(committedPublic);
                if (committed.KeyId != key.Public.KeyId)
                {
                    key.Dispose();
                    throw new SigningException($"--signing-key {privateKeyPath} does not belong to {committedPublic} (key ids {key.Public.KeyId[..19]}… vs {committed.KeyId[..19]}…); signatures would not verify.");
                }
                return new SigningIdentity(key, committedPublic, false);
            }
            var written = WritePublicBeside(workTree, key);
            return new SigningIdentity(key, written, false);
        }
        if (requireProjectKey)
            throw new SigningException("--require-signing-key: no signing key configured and the development key is refused. Set --signing-key and --signing-key-password (CI secrets), or run ./build.sh GenerateSigningKey.");
        return Development(ExpandHome(developmentKeyDirectory));
    }

    /// <summary>The per-user development key pair, created once; its random password sits beside it with owner-only access.</summary>
    public static SigningIdentity Development(string directory)
    {
        var privatePath = Path.Combine(directory, PrivateKeyFile);
        var publicPath = Path.Combine(directory, PublicKeyFile);
        var passwordPath = Path.Combine(directory, PasswordFile);
        var created = false;
        if (!File.Exists(privatePath))
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
            Redactor.Register(password);
            using var fresh = SigningKey.Generate();
            WritePrivate(passwordPath, password);
            WritePrivate(privatePath, fresh.ExportEncryptedPem(password));
            File.WriteAllText(publicPath, fresh.Public.Pem);
            created = true;
        }
        var secret = File.ReadAllText(passwordPath).Trim();
        var key = SigningKey.Load(privatePath, secret);
        // Once per run (Sign, Report and every shared cache entry sign with it): the warning is the same each time.
        if (Warned.TryAdd(publicPath, 0))
            Log.Warning("Signing with the {State} development key {PublicKey} (not for release: set --signing-key, or --require-signing-key to refuse this)",
                created ? "newly created" : "local", publicPath);
        return new SigningIdentity(key, publicPath, true);
    }

    public static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) || path == "~"
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;

    static string WritePublicBeside(AbsolutePath workTree, SigningKey key)
    {
        var path = (workTree / "artifacts" / "signing").CreateDirectory() / PublicKeyFile;
        File.WriteAllText(path, key.Public.Pem);
        return path;
    }

    static void WritePrivate(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
