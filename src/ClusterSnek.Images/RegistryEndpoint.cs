namespace ClusterSnek.Images;

/// <summary>Where images go: a host[:port][/namespace] prefix, whether it speaks plain HTTP, and an auth file for credentials.</summary>
public sealed record RegistryEndpoint
{
    public RegistryEndpoint(string address, bool plainHttp, string? authFile = null)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Contains("://", StringComparison.Ordinal) || address.EndsWith('/'))
            throw new ArgumentException($"Registry '{address}' must be host[:port][/namespace] without a scheme or trailing slash, e.g. ghcr.io/org.", nameof(address));
        Address = address;
        PlainHttp = plainHttp;
        AuthFile = authFile;
    }

    public string Address { get; }
    public bool PlainHttp { get; }
    public string? AuthFile { get; }

    /// <summary>host[:port], the part before the first '/'.</summary>
    public string Host => Address.Split('/')[0];

    /// <summary>Path prefix inside the registry ("" for a bare host).</summary>
    public string Namespace => Address.Contains('/', StringComparison.Ordinal) ? Address[(Address.IndexOf('/', StringComparison.Ordinal) + 1)..] : "";

    public Uri ApiBase => new($"{(PlainHttp ? "http" : "https")}://{Host}/v2/");

    /// <summary>Repository reference without tag, e.g. 127.0.0.1:5000/clustersnek/backend.</summary>
    public string Repository(string path) => $"{Address}/{path}";

    /// <summary>The repository name as the registry API sees it (namespace included).</summary>
    public string ApiName(string path) => Namespace.Length == 0 ? path : $"{Namespace}/{path}";

    public override string ToString() => Address;
}
