using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

public sealed class KeyStoreTests : IDisposable
{
    readonly AbsolutePath temp = new(Path.Combine(Path.GetTempPath(), "clustersnek-keys-" + Guid.NewGuid().ToString("N")[..8]));
    AbsolutePath WorkTree => (temp / "repo").CreateDirectory();
    AbsolutePath Outside => (temp / "home" / "keys").CreateDirectory();

    public void Dispose() { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }

    [Fact]
    public void A_generated_key_pair_loads_back_with_its_password_and_signs_verifiably()
    {
        var pub = KeyStore.Generate(WorkTree, WorkTree / "cosign.pub", Outside / "cosign.key", "correct horse battery");
        using var key = SigningKey.Load(Outside / "cosign.key", "correct horse battery");
        Assert.Equal(pub.KeyId, key.Public.KeyId);
        Assert.True(PublicKey.Load(WorkTree / "cosign.pub").Verify("x"u8, key.Sign("x"u8)));
        Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(Outside / "cosign.key"), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Outside / "cosign.key"));
    }

    [Fact]
    public void A_private_key_inside_the_work_tree_is_refused_and_nothing_is_written()
    {
        var e = Assert.Throws<SigningException>(() => KeyStore.Generate(WorkTree, WorkTree / "cosign.pub", WorkTree / "keys" / "cosign.key", "correct horse battery"));
        Assert.Contains("inside the work tree", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(WorkTree / "cosign.pub"));
    }

    [Fact]
    public void An_existing_key_is_never_overwritten()
    {
        File.WriteAllText(Outside / "cosign.key", "keep me");
        var e = Assert.Throws<SigningException>(() => KeyStore.Generate(WorkTree, WorkTree / "cosign.pub", Outside / "cosign.key", "correct horse battery"));
        Assert.Contains("refusing to overwrite", e.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(Outside / "cosign.key"));
        Assert.False(File.Exists(WorkTree / "cosign.pub"));
    }

    [Fact]
    public void A_wrong_password_is_a_clear_error()
    {
        KeyStore.Generate(WorkTree, WorkTree / "cosign.pub", Outside / "cosign.key", "correct horse battery");
        var e = Assert.Throws<SigningException>(() => SigningKey.Load(Outside / "cosign.key", "wrong horse battery"));
        Assert.Contains("wrong --signing-key-password", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_configured_key_the_development_key_is_created_once_and_reused()
    {
        var dir = temp / "home" / "dev";
        using var first = KeyStore.Resolve(WorkTree, "cosign.pub", null, null, dir, requireProjectKey: false).Key;
        var again = KeyStore.Resolve(WorkTree, "cosign.pub", null, null, dir, requireProjectKey: false);
        using var _ = again.Key;
        Assert.True(again.IsDevelopmentKey);
        Assert.Equal(first.Public.KeyId, again.KeyId);
        Assert.Equal(dir / "cosign.pub", new AbsolutePath(again.PublicKeyPath));
    }

    [Fact]
    public void Requiring_a_signing_key_refuses_the_development_key()
    {
        var e = Assert.Throws<SigningException>(() => KeyStore.Resolve(WorkTree, "cosign.pub", null, null, temp / "dev", requireProjectKey: true));
        Assert.StartsWith("--require-signing-key", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp / "dev"));
    }

    [Fact]
    public void A_private_key_that_does_not_match_the_committed_public_key_is_refused()
    {
        KeyStore.Generate(WorkTree, WorkTree / "cosign.pub", Outside / "cosign.key", "correct horse battery");
        var other = (temp / "other").CreateDirectory();
        KeyStore.Generate(other, other / "cosign.pub", Outside / "other.key", "another long password");
        var e = Assert.Throws<SigningException>(() => KeyStore.Resolve(WorkTree, "cosign.pub", Outside / "other.key", "another long password", temp / "dev", true));
        Assert.Contains("does not belong to", e.Message, StringComparison.Ordinal);
    }
}
