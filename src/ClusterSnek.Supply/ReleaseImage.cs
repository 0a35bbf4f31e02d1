using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply;

/// <summary>One entry of pipeline.json images[] as BuildImages writes it: service, repository without tag, digest.</summary>
public sealed record ReleaseImage(string Service, string Reference, string Digest)
{
    /// <summary>The image by digest; a malformed entry names the service and the bad value.</summary>
    public (ImageReference Image, Digest Digest) Parse()
    {
        if (!Images.Distribution.Digest.TryParse(Digest, out var digest))
            throw new ArgumentException($"pipeline.json images[{Service}].digest '{Digest}' is not a sha256 digest; rerun BuildImages.");
        if (!ImageReference.TryParse(Reference, out var image) || image!.Digest is not null)
            throw new ArgumentException($"pipeline.json images[{Service}].reference '{Reference}' is not a repository reference (host/repo[:tag]); rerun BuildImages.");
        return (image, digest!);
    }

    /// <summary>Reads images[] from the run record; none is an error that says which target produces them.</summary>
    public static IReadOnlyList<ReleaseImage> FromRun(Pipeline.RunRecord? run)
    {
        var images = run?.Get<List<ReleaseImage>>("images") ?? [];
        var usable = images.Where(i => !string.IsNullOrEmpty(i.Digest)).ToList();
        if (usable.Count == 0)
            throw new ArgumentException("pipeline.json has no images[] with digests: run BuildImages first (./build.sh BuildImages), or Scan/Sbom/Sign which depend on it.");
        return usable;
    }

    /// <summary>A file-name-safe name for artifacts (the service name).</summary>
    public string FileName => string.Concat(Service.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));
}
