using ClusterSnek.Pipeline;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The public key signatures are checked against, and where it came from. Never a path the signer recorded: artifacts/
/// (and pipeline.json in it) is writable by anyone who can run the build, so a key read from there proves nothing.
/// </summary>
public sealed record TrustRoot(AbsolutePath PublicKey, KeySource Source)
{
    /// <summary>
    /// <paramref name="parameter"/> (--signing-public-key) first, else the committed key (<paramref name="committed"/>, clustersnek.yaml
    /// signing.publicKey), else, on a local run only, the development key's public half. A key under artifacts/ is refused.
    /// </summary>
    public static TrustRoot Resolve(AbsolutePath root, AbsolutePath artifacts, AbsolutePath? parameter, string committed,
        string developmentKeyDirectory, bool localRun)
    {
        if (parameter is not null) return Checked(new TrustRoot(parameter, KeySource.Parameter), artifacts, "--signing-public-key");
        var committedPath = Path.IsPathRooted(committed) ? new AbsolutePath(committed) : root / committed;
        if (File.Exists(committedPath))
            return Checked(new TrustRoot(committedPath, KeySource.Committed), artifacts, "clustersnek.yaml signing.publicKey");
        var development = new AbsolutePath(Path.Combine(KeyStore.ExpandHome(developmentKeyDirectory), KeyStore.PublicKeyFile));
        if (!localRun)
            throw new SigningException($"No trust root: {committed} (clustersnek.yaml signing.publicKey) is not committed and the " +
                "development key is trusted only on a local run (CI=true or --require-signing-key). " +
                "Commit the project's cosign.pub (./build.sh GenerateSigningKey) or pass --signing-public-key.");
        if (!File.Exists(development))
            throw new SigningException($"No trust root: neither {committed} (clustersnek.yaml signing.publicKey) nor the development key " +
                $"{development} exists; run Sign first (it creates the development key) or pass --signing-public-key.");
        return new TrustRoot(development, KeySource.Development);
    }

    /// <summary>The key declared for a trusted external image (clustersnek.yaml trustedImages publicKey), checked like any trust root.</summary>
    public static TrustRoot Declared(AbsolutePath root, AbsolutePath artifacts, string publicKey, string origin) =>
        Checked(new TrustRoot(Path.IsPathRooted(publicKey) ? new AbsolutePath(publicKey) : root / publicKey, KeySource.Committed),
            artifacts, origin);

    static TrustRoot Checked(TrustRoot trust, AbsolutePath artifacts, string origin)
    {
        if (!File.Exists(trust.PublicKey))
            throw new SigningException($"{origin}: {trust.PublicKey} does not exist; name the public key signatures must verify with.");
        if (trust.PublicKey.IsInside(artifacts))
            throw new SigningException($"{origin}: {trust.PublicKey} is under artifacts/, which any run can write; " +
                "a trust root must live outside the run (the committed cosign.pub, or a path outside the checkout's artifacts/).");
        return trust;
    }
}
