using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>Where VerifySignatures' public key comes from: the committed key, --signing-public-key, or (local runs only) the development key.</summary>
public sealed class TrustRootTests : IDisposable
{
    readonly AbsolutePath temp = new(Path.Combine(Path.GetTempPath(), "clustersnek-trust-" + Guid.NewGuid().ToString("N")[..8]));
    AbsolutePath Root => (temp / "repo").CreateDirectory();
    AbsolutePath Artifacts => Root / "artifacts";
    AbsolutePath DevDirectory => (temp / "home" / "dev").CreateDirectory();

    public void Dispose() { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }

    static AbsolutePath WriteKey(AbsolutePath path)
    {
        path.Parent.CreateDirectory();
        using var key = SigningKey.Generate();
        File.WriteAllText(path, key.Public.Pem);
        return path;
    }

    [Fact]
    public void The_committed_key_is_the_trust_root_when_no_parameter_is_given()
    {
        var committed = WriteKey(Root / "cosign.pub");
        WriteKey(DevDirectory / KeyStore.PublicKeyFile);

        var trust = TrustRoot.Resolve(Root, Artifacts, null, "cosign.pub", DevDirectory, localRun: true);

        Assert.Equal(new TrustRoot(committed, KeySource.Committed), trust);
    }

    [Fact]
    public void The_signing_public_key_parameter_wins_over_the_committed_key()
    {
        WriteKey(Root / "cosign.pub");
        var given = WriteKey(temp / "elsewhere" / "release.pub");

        Assert.Equal(new TrustRoot(given, KeySource.Parameter), TrustRoot.Resolve(Root, Artifacts, given, "cosign.pub", DevDirectory, localRun: false));
    }

    [Fact]
    public void A_public_key_under_artifacts_is_refused_as_a_trust_root()
    {
        var planted = WriteKey(Artifacts / "keys" / "cosign.pub");

        var e = Assert.Throws<SigningException>(() => TrustRoot.Resolve(Root, Artifacts, planted, "cosign.pub", DevDirectory, localRun: true));

        Assert.Equal($"--signing-public-key: {planted} is under artifacts/, which any run can write; a trust root must live outside the run " +
            "(the committed cosign.pub, or a path outside the checkout's artifacts/).", e.Message);
    }

    [Fact]
    public void The_development_key_is_the_trust_root_on_a_local_run_without_a_committed_key()
    {
        var development = WriteKey(DevDirectory / KeyStore.PublicKeyFile);

        Assert.Equal(new TrustRoot(development, KeySource.Development), TrustRoot.Resolve(Root, Artifacts, null, "cosign.pub", DevDirectory, localRun: true));
    }

    [Fact]
    public void The_development_key_is_refused_outside_a_local_run()
    {
        WriteKey(DevDirectory / KeyStore.PublicKeyFile);

        var e = Assert.Throws<SigningException>(() => TrustRoot.Resolve(Root, Artifacts, null, "cosign.pub", DevDirectory, localRun: false));

        Assert.Equal("No trust root: cosign.pub (clustersnek.yaml signing.publicKey) is not committed and the development key is trusted only on " +
            "a local run (CI=true or --require-signing-key). Commit the project's cosign.pub (./build.sh GenerateSigningKey) or pass --signing-public-key.", e.Message);
    }
}
