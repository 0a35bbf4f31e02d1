namespace ClusterSnek.Stack;

/// <summary>The stack manifest (clustersnek.yaml): what the pipeline builds, where it deploys, how it signs.</summary>
public sealed record StackManifest(
    string Name,
    RegistrySettings Registry,
    IReadOnlyList<ServiceSpec> Services,
    IReadOnlyList<EnvironmentSpec> Environments,
    ChartSettings Chart,
    SigningSettings Signing,
    PolicySettings Policies)
{
    /// <summary>Images the pipeline does not build that a release may run, pinned by digest, each with its signer's key.</summary>
    public IReadOnlyList<TrustedImage> TrustedImages { get; init; } = [];

    /// <summary>The shared cache (clustersnek.yaml <c>cache:</c>); the defaults when the section is absent.</summary>
    public CacheSettings Cache { get; init; } = new(null, 14, 20);

    public const string FileName = "clustersnek.yaml";

    public EnvironmentSpec Environment(string name) =>
        Environments.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ManifestException($"{FileName}: no environment named '{name}'; defined: {string.Join(", ", Environments.Select(e => e.Name))}.");

    public ServiceSpec Service(string name) =>
        Services.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ManifestException($"{FileName}: no service named '{name}'; defined: {string.Join(", ", Services.Select(s => s.Name))}.");
}

/// <summary>One workload: its name, project (or Dockerfile folder), port and health endpoints.</summary>
public sealed record ServiceSpec(string Name, string Project, int Port, string HealthPath, string ReadyPath, IReadOnlyList<string> DependsOn);

/// <summary>A deployment environment: namespace, values file, replicas.</summary>
public sealed record EnvironmentSpec(string Name, string Namespace, string ValuesFile, int Replicas);

/// <summary>The registry images go to when --registry is not given: an embedded one on 127.0.0.1.</summary>
public sealed record RegistrySettings(string Repository, int PreferredPort, string BaseImageRepository);

/// <summary>The umbrella chart and its release name.</summary>
public sealed record ChartSettings(string Path, string Release);

/// <summary>Where the public signing key lives and where a development key pair is created.</summary>
public sealed record SigningSettings(string PublicKey, string DevelopmentKeyDirectory);

/// <summary>
/// An image the pipeline did not build (e.g. a helm test image), declared in clustersnek.yaml <c>trustedImages</c>: repository,
/// digest, and the public key (a path in the repository) its cosign signature must verify with; <paramref name="Line"/> is
/// where it is declared.
/// </summary>
public sealed record TrustedImage(string Repository, string Digest, string PublicKey, int Line)
{
    /// <summary>repository@sha256:..., as a rendered manifest names it.</summary>
    public string Pinned => $"{Repository}@{Digest}";
}

/// <summary>
/// The shared cache: the OCI repository its entries go to (null: <c>&lt;registry&gt;/&lt;registry.repository&gt;/cache</c>; "off": none),
/// and CachePrune's retention: entries older than <paramref name="RetentionDays"/> go, and of each target only the newest
/// <paramref name="KeepPerTarget"/> stay.
/// </summary>
public sealed record CacheSettings(string? Repository, int RetentionDays, int KeepPerTarget);

/// <summary>Policy folder, the reviewed exceptions file, and the registries images may come from.</summary>
public sealed record PolicySettings(string Directory, string Exceptions, IReadOnlyList<string> AllowedRegistries);

/// <summary>A manifest that cannot be used; the message names file, line, column and what is expected. A usage error (exit 2).</summary>
public sealed class ManifestException(string message) : ClusterSnek.Pipeline.UsageException(message);
