using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Tests.Distribution;

public sealed class ImageReferenceTests
{
    const string Hex = "623bdb0699fb8f7ff5b2d8613f4d905c5c20aff40c4816e6550e3f42dd0d6f70";

    [Fact]
    public void A_reference_with_port_tag_and_digest_is_split_into_its_parts()
    {
        var r = ImageReference.Parse($"127.0.0.1:5000/clustersnek/backend:1.2.3@sha256:{Hex}");
        Assert.Equal(("127.0.0.1:5000", "clustersnek/backend", "1.2.3", "sha256:" + Hex), (r.Registry, r.Repository, r.Tag, r.Digest!.Value));
        Assert.Equal("127.0.0.1:5000/clustersnek/backend", r.Name);
        Assert.Equal($"127.0.0.1:5000/clustersnek/backend:1.2.3@sha256:{Hex}", r.ToString());
    }

    [Fact]
    public void A_port_is_not_mistaken_for_a_tag()
    {
        var r = ImageReference.Parse("localhost:5000/app");
        Assert.Equal(("localhost:5000", "app", null), (r.Registry, r.Repository, r.Tag));
        Assert.Equal("latest", r.Reference);
    }

    [Fact]
    public void A_short_name_is_a_docker_hub_library_image()
    {
        var r = ImageReference.Parse("alpine:3.20");
        Assert.Equal(("docker.io", "library/alpine", "3.20"), (r.Registry, r.Repository, r.Tag));
    }

    [Fact]
    public void Loopback_registries_are_plain_http_and_others_are_not()
    {
        Assert.True(ImageReference.Parse("127.0.0.1:5000/a").IsLoopback);
        Assert.True(ImageReference.Parse("localhost/a").IsLoopback);
        Assert.False(ImageReference.Parse("ghcr.io/org/a").IsLoopback);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/Upper/case")]
    [InlineData("127.0.0.1:5000/app@sha256:1234")]
    [InlineData("127.0.0.1:5000/app:bad tag")]
    public void A_malformed_reference_is_refused_with_its_text(string text)
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(text));
        Assert.Contains(text.Split('@')[0].Split(' ')[0], e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha256:ABC")]
    [InlineData("sha512:" + Hex)]
    [InlineData(Hex)]
    public void A_digest_must_be_sha256_and_64_lower_case_hex(string text) =>
        Assert.Throws<FormatException>(() => new Digest(text));

    [Fact]
    public void A_digest_is_the_sha256_of_the_content_and_names_its_cosign_tags()
    {
        var d = Digest.Compute("hello"u8);
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.Value);
        Assert.Equal("sha256-2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.TagPrefix);
    }
}
