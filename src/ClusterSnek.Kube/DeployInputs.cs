using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;

namespace ClusterSnek.Kube;

/// <summary>
/// What Deploy takes from the stages before it besides the recorded images and verdicts: the values file that pins the
/// chart to those digests, the endpoints and the chain probe from clustersnek.yaml.
/// </summary>
public static class DeployInputs
{
    /// <summary>
    /// The values this run adds on top of the environment's file: each service's repository and digest, and
    /// <c>global.localRuntime</c> for the podman runtime with this checkout's host ports (<paramref name="ports"/>) as
    /// <c>global.services.&lt;app&gt;.port</c>; on a cluster, the API server's addresses (<c>global.kubeApiServer.cidrs</c>).
    /// Written as a file so the exact input stays inspectable.
    /// </summary>
    public static string WriteRunValues(string path, IReadOnlyList<PinnedImage> images, bool localRuntime, LocalPorts? ports = null,
        IReadOnlyList<string>? kubeApiServerCidrs = null)
    {
        var text = new StringBuilder("# Written by Deploy: the image digests of this run").AppendLine();
        text.AppendLine("global:").AppendLine($"  localRuntime: {(localRuntime ? "true" : "false")}");
        if (kubeApiServerCidrs is { Count: > 0 })
            text.AppendLine("  # The cluster's API server (the kubernetes Service's ClusterIP and endpoints), read at Deploy")
                .AppendLine("  kubeApiServer:").AppendLine($"    cidrs: {JsonSerializer.Serialize(kubeApiServerCidrs)}");
        if (localRuntime && ports is not null)
        {
            text.AppendLine($"  # This checkout's host ports ({ports.ChosenBy}; artifacts/releases/<env>/ports.json)").AppendLine("  services:");
            foreach (var (service, port) in ports.Services.OrderBy(kv => kv.Value))
                text.AppendLine($"    {JsonSerializer.Serialize(service)}:").AppendLine($"      port: {port}");
        }
        foreach (var image in images.OrderBy(i => i.Service, StringComparer.Ordinal))
            text.AppendLine($"{image.Service}:").AppendLine("  image:")
                .AppendLine($"    repository: {JsonSerializer.Serialize(image.Reference)}").AppendLine($"    digest: {JsonSerializer.Serialize(image.Digest)}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>Where Verify calls each service: its port in <paramref name="ports"/> (the local runtime's block), else clustersnek.yaml's.</summary>
    public static IReadOnlyList<ServiceEndpoint> Endpoints(StackManifest manifest, LocalPorts? ports = null) =>
        manifest.Services.Select(s => new ServiceEndpoint(s.Name, ports is not null && ports.Services.TryGetValue(s.Name, out var p) ? p : s.Port, s.ReadyPath)
        {
            DependsOn = s.DependsOn,
        }).ToList();

    /// <summary>The chain starts at the service nothing depends on (the frontend in the sample stack).</summary>
    public static ChainProbe? Chain(StackManifest manifest, string path) =>
        manifest.Services.FirstOrDefault(s => !manifest.Services.Any(o => o.DependsOn.Contains(s.Name))) is { } entry && manifest.Services.Count > 1
            ? new ChainProbe(entry.Name, path) : null;
}

/// <summary>Checked before any target runs: the kube context exists and its API server answers (so nothing changes half-way).</summary>
public sealed class KubeContextRequirement(Func<string?> context) : IRequirement
{
    public string Name => $"kube context {context()}";

    public string? Check()
    {
        if (context() is not { } name) return null;
        try
        {
            using var client = ClusterRelease.ConnectAsync(name).GetAwaiter().GetResult();
            return null;
        }
        catch (ClusterUnavailableException e) { return e.Message; }
    }
}
