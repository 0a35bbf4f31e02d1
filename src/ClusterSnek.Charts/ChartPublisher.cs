using ClusterSnek.Tools;

namespace ClusterSnek.Charts;

/// <summary>Where packaged charts go. The registry's address is decided by whoever runs the registry (the Images stage).</summary>
public interface IChartPublisher
{
    /// <summary>Pushes the package and returns the reference it can be pulled from (oci://.../name:version).</summary>
    Task<string> PushAsync(PackagedChart chart, CancellationToken cancellation = default);
}

/// <summary>Pushes to an OCI registry with <c>helm push</c>: oci://&lt;registry&gt;/charts, plain HTTP for a local registry.</summary>
public sealed class OciChartPublisher(Helm helm, string registry, bool plainHttp) : IChartPublisher
{
    /// <summary>Plain HTTP only for loopback registries (the embedded one); anything else must speak TLS.</summary>
    public static OciChartPublisher For(Helm helm, string registry)
    {
        var host = registry.Split('/')[0].Split(':')[0];
        var local = host is "127.0.0.1" or "localhost" or "::1" or "[::1]";
        return new OciChartPublisher(helm, registry.TrimEnd('/'), local);
    }

    public string Repository => $"oci://{registry}/charts";

    public async Task<string> PushAsync(PackagedChart chart, CancellationToken cancellation = default)
    {
        try { await helm.PushAsync(chart.Path, Repository, plainHttp, cancellation); }
        catch (ToolFailedException e) { throw new InvalidOperationException($"helm push {Path.GetFileName(chart.Path)} to {Repository}: {HelmFailure.Describe(e.Result)}"); }
        // OCI tags cannot hold '+'; helm stores SemVer build metadata as '_'.
        return $"{Repository}/{chart.Name}:{chart.Version.Replace('+', '_')}";
    }
}
