using System.Text.RegularExpressions;

namespace ClusterSnek.Charts;

/// <summary>The image a service runs: repository without tag and sha256 digest; a placeholder when this run built no image.</summary>
public sealed partial record ServiceImage
{
    /// <summary>Used when no image of the service was built in this run; marked in every result so nobody mistakes it for a real image.</summary>
    public const string PlaceholderDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    public ServiceImage(string service, string? repository, string digest, bool isPlaceholder = false)
    {
        if (string.IsNullOrWhiteSpace(service)) throw new ArgumentException("service is empty", nameof(service));
        if (!Sha256().IsMatch(digest)) throw new ArgumentException($"image digest of {service} '{digest}' is not sha256:<64 hex>", nameof(digest));
        Service = service;
        Repository = string.IsNullOrWhiteSpace(repository) ? null : repository;
        Digest = digest;
        IsPlaceholder = isPlaceholder;
    }

    public string Service { get; }
    /// <summary>Null: the chart's default, &lt;global.imageRegistry&gt;/clustersnek/&lt;service&gt;.</summary>
    public string? Repository { get; }
    public string Digest { get; }
    public bool IsPlaceholder { get; }

    public static ServiceImage Placeholder(string service) => new(service, null, PlaceholderDigest, isPlaceholder: true);

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256();
}

/// <summary>The images to render: the recorded images (pipeline.json images[]) where present, a marked placeholder otherwise.</summary>
public static class RunImages
{
    public static IReadOnlyList<ServiceImage> Images(IReadOnlyList<ImageEntry>? built, IEnumerable<string> services) =>
        services.Select(service => built?.FirstOrDefault(b => b.Service == service) is { } b
            ? new ServiceImage(service, b.Reference, b.Digest.Value)
            : ServiceImage.Placeholder(service)).ToList();
}
