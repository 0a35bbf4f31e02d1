using System.Text.Json.Serialization;

namespace ClusterSnek.Record;

/// <summary>How a service's image was checked in podman before it was pushed.</summary>
public sealed record SmokeResult(bool Passed, long HealthyAfterMs, string User, bool ReadOnlyRootfs, bool CapabilitiesDropped, string? Failure);

/// <summary>
/// One pushed image (images[], written by BuildImages): the service, its repository (without tag) and tag, its manifest
/// digest, size, base image digest, how it was built and smoke-tested, and the source commit it was built from (its
/// <c>org.opencontainers.image.revision</c> label; a cached build keeps the commit it was built at).
/// </summary>
public sealed record ImageEntry(
    string Service, string Reference, string Tag, Digest Digest, long SizeBytes, Digest? BaseDigest, long BuildMs, string Builder, SmokeResult? Smoke,
    string? Revision = null, string? Staging = null)
{
    [JsonPropertyOrder(-2)] public string Service { get; init; } = Check.NotEmpty(Service, "images[].service");
    [JsonPropertyOrder(-1)] public string Reference { get; init; } = Check.Repository(Reference, $"images[{Service}].reference");

    /// <summary>The repository as a typed reference (no tag, no digest).</summary>
    [JsonIgnore] public ImageReference Repository => ImageReference.Parse(Reference);

    /// <summary>repository@digest: how everything after BuildImages refers to the image.</summary>
    [JsonIgnore] public PinnedImage Pinned => new(Service, Reference, Digest);

    /// <summary>
    /// The staging repository BuildImages pushed to (no tag, no digest): Scan and Sbom read the image there, and Promote copies it
    /// to <see cref="Reference"/> (the release repository) only after the scan gate passed. Null for a record from before staging.
    /// </summary>
    public string? Staging { get; init; } = Staging is null ? null : Check.Repository(Staging, $"images[{Service}].staging");

    /// <summary>staging-repository@digest: where the scanners read the image before it is promoted.</summary>
    [JsonIgnore] public PinnedImage Staged => new(Service, Staging ?? Reference, Digest);

    /// <summary>repository:tag, the name people read (the tag points at <see cref="Digest"/> when it was pushed).</summary>
    [JsonIgnore] public string Tagged => $"{Reference}:{Tag}";

    /// <summary>A file-name-safe name for artifacts (the service name).</summary>
    [JsonIgnore] public string FileName => Check.FileName(Service);
}

/// <summary>What a release runs for one service: its repository and the exact digest (a runtime pulls repository@digest).</summary>
public sealed record PinnedImage(string Service, string Reference, Digest Digest)
{
    [JsonPropertyOrder(-2)] public string Service { get; init; } = Check.NotEmpty(Service, "service");
    [JsonPropertyOrder(-1)] public string Reference { get; init; } = Check.Repository(Reference, $"{Service}: reference");

    /// <summary>The pinned reference a runtime pulls: repository@digest.</summary>
    [JsonIgnore] public string Pinned => $"{Reference}@{Digest}";

    [JsonIgnore] public ImageReference Image => ImageReference.Parse(Reference).ByDigest(Digest);
}

/// <summary>Validation shared by the records' constructors: one message naming the field and the fix.</summary>
internal static class Check
{
    public static string NotEmpty(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{field} is empty.") : value;

    public static string Repository(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Contains('@'))
            throw new ArgumentException($"{field} '{value}' must be a repository without tag or digest (host/path).");
        if (!ImageReference.TryParse(value, out var parsed) || parsed!.Tag is not null)
            throw new ArgumentException($"{field} '{value}' is not a repository reference (host[:port]/path, no tag).");
        return value;
    }

    public static string FileName(string service) =>
        string.Concat(service.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));
}
