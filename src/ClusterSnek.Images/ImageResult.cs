namespace ClusterSnek.Images;

/// <summary>One pushed image as artifacts/pipeline.json's images[] records it (reference is the repository without tag).</summary>
public sealed record ImageResult(
    string Service, string Reference, string Digest, long SizeBytes, string? BaseDigest, long BuildMs, string Tag, string Builder, SmokeResult? Smoke)
{
    /// <summary>repository@digest: how everything after BuildImages refers to the image.</summary>
    public string PinnedReference => $"{Reference}@{Digest}";
}
