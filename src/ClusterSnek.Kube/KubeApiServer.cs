using k8s;
using k8s.Models;

namespace ClusterSnek.Kube;

/// <summary>
/// Where pods reach the Kubernetes API: the <c>kubernetes</c> Service's ClusterIPs and the addresses behind it (its
/// EndpointSlices). NetworkPolicy implementations differ in whether they see the ClusterIP or the endpoint after DNAT,
/// so the chart's <c>global.kubeApiServer.cidrs</c> gets both, each as a single-address CIDR.
/// </summary>
public static class KubeApiServer
{
    public const string ServiceName = "kubernetes";
    public const string ServiceNamespace = "default";

    public static async Task<IReadOnlyList<string>> CidrsAsync(IKubernetes client, CancellationToken cancellation = default)
    {
        var service = await client.CoreV1.ReadNamespacedServiceAsync(ServiceName, ServiceNamespace, cancellationToken: cancellation);
        var slices = await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ServiceNamespace,
            labelSelector: $"kubernetes.io/service-name={ServiceName}", cancellationToken: cancellation);
        return Cidrs(service, slices.Items);
    }

    /// <summary>The single-address CIDRs of a Service and its EndpointSlices (ready endpoints; a missing condition counts as ready).</summary>
    public static IReadOnlyList<string> Cidrs(V1Service service, IEnumerable<V1EndpointSlice> slices)
    {
        var clusterIps = service.Spec?.ClusterIPs is { Count: > 0 } ips ? ips : service.Spec?.ClusterIP is { } ip ? [ip] : [];
        var endpoints = slices.Where(s => s.AddressType is "IPv4" or "IPv6")
            .SelectMany(s => s.Endpoints ?? []).Where(e => e.Conditions?.Ready != false).SelectMany(e => e.Addresses ?? []);
        return clusterIps.Where(a => a is not ("None" or "")).Concat(endpoints)
            .Select(a => System.Net.IPAddress.TryParse(a, out var parsed) ? $"{parsed}/{(parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}" : null)
            .OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
    }
}
