namespace ClusterSnek.Images;

/// <summary>The OCI labels an image of this pipeline carries about itself: which service it is, and the commit it was built from.</summary>
public static class ImageLabels
{
    public const string Title = "org.opencontainers.image.title";
    public const string Revision = "org.opencontainers.image.revision";
}
