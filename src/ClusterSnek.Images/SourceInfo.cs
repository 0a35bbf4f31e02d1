namespace ClusterSnek.Images;

/// <summary>Where the images come from: repository URL, commit, and the creation time written into OCI labels.</summary>
public sealed record SourceInfo(string Source, string Revision, DateTimeOffset Created)
{
    /// <summary>The git commit's short form, used as the image tag.</summary>
    public string Tag => Revision.Length >= 12 ? Revision[..12] : Revision;

    public IReadOnlyDictionary<string, string> Labels(string title) => new Dictionary<string, string>
    {
        ["org.opencontainers.image.source"] = Source,
        ["org.opencontainers.image.revision"] = Revision,
        ["org.opencontainers.image.created"] = Created.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"),
        ["org.opencontainers.image.title"] = title,
    };
}
