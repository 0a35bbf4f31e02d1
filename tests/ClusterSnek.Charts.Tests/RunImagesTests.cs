namespace ClusterSnek.Charts.Tests;

public sealed class RunImagesTests
{
    const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    [Fact]
    public void Images_built_in_this_run_are_used_and_the_rest_get_a_marked_placeholder()
    {
        var images = RunImages.Images([new ImageEntry("backend", "127.0.0.1:5000/clustersnek/backend", "abc1234", new Record.Digest(Digest), 10, null, 1, "dotnet", null)],
            ["frontend", "backend"]);

        Assert.True(images[0].IsPlaceholder);
        Assert.Equal(ServiceImage.PlaceholderDigest, images[0].Digest);
        Assert.False(images[1].IsPlaceholder);
        Assert.Equal("127.0.0.1:5000/clustersnek/backend", images[1].Repository);
        Assert.Equal(Digest, images[1].Digest);
    }

    [Fact]
    public void The_images_overlay_pins_each_service_and_marks_placeholders()
    {
        var overlay = ChartRenderer.ImagesOverlay(
            [new ServiceImage("backend", "127.0.0.1:5000/clustersnek/backend", Digest), ServiceImage.Placeholder("frontend")], "127.0.0.1:5000");
        Expect.MatchesFile(overlay, "images.overlay.yaml");
    }

    [Fact]
    public void A_digest_that_is_not_sha256_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ServiceImage("backend", null, "latest"));
}
