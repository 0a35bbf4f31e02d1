namespace ClusterSnek.Record;

/// <summary>
/// What CheckReproducible found (reproducibility, written by CheckReproducible): the commit, built twice in two fresh clones in two
/// folders with the same SOURCE_DATE_EPOCH, and each image's digest from both builds; the provenance of a signed image says
/// whether its digest was among the identical ones.
/// </summary>
public sealed record ReproducibilityRecord(string Commit, long SourceDateEpoch, IReadOnlyList<string> Folders, bool Reproducible,
    IReadOnlyList<ReproducedImage> Images, long DurationMs);

/// <summary>One image (the base or a service) as both builds made it; when the digests differ, the layers and files that differ.</summary>
public sealed record ReproducedImage(string Image, Digest First, Digest Second, bool Identical, IReadOnlyList<string> Differences);
