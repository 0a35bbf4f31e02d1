namespace ClusterSnek.Images.Tests;

public sealed class EndpointTests
{
    [Fact]
    public void A_registry_with_a_namespace_prefixes_repository_names()
    {
        var registry = new RegistryEndpoint("ghcr.io/org", plainHttp: false);
        Assert.Equal("ghcr.io/org/clustersnek/backend", registry.Repository("clustersnek/backend"));
        Assert.Equal("org/clustersnek/backend", registry.ApiName("clustersnek/backend"));
        Assert.Equal(new Uri("https://ghcr.io/v2/"), registry.ApiBase);
    }

    [Theory]
    [InlineData("https://ghcr.io/org")]
    [InlineData("ghcr.io/org/")]
    [InlineData("")]
    public void A_registry_given_as_a_url_is_refused_with_the_expected_form(string address)
    {
        var e = Assert.Throws<ArgumentException>(() => new RegistryEndpoint(address, plainHttp: false));
        Assert.Contains("host[:port][/namespace]", e.Message);
    }

    [Fact]
    public void The_image_tag_is_the_short_commit_and_labels_carry_the_full_one()
    {
        var source = new SourceInfo("https://example.test/repo", "0123456789abcdef0123", new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal("0123456789ab", source.Tag);
        var labels = source.Labels("backend");
        Assert.Equal("0123456789abcdef0123", labels["org.opencontainers.image.revision"]);
        Assert.Equal("2026-11-25T12:00:00Z", labels["org.opencontainers.image.created"]);
        Assert.Equal("https://example.test/repo", labels["org.opencontainers.image.source"]);
    }
}
