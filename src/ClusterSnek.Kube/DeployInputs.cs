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
    /// <c>global.localRuntime</c> for the podman runtime. Written as a file so the exact input stays inspectable.
    /// </summary>
    public static string WriteRunValues(string path, IReadOnlyList<PinnedImage> images, bool localRuntime)
    {
        var text = new StringBuilder("# Written by Deploy: the image digests of this run").AppendLine();
        text.AppendLine("global:").AppendLine($"  localRuntime: {(localRuntime ? "true" : "false")}");
        foreach (var image in images.OrderBy(i => i.Service, StringComparer.Ordinal))
            text.AppendLine($"{image.Service}:").AppendLine("  image:")
                .AppendLine($"    repository: {JsonSerializer.Serialize(image.Reference)}").AppendLine($"    digest: {JsonSerializer.Serialize(image.Digest)}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    public static IReadOnlyList<ServiceEndpoint> Endpoints(StackManifest manifest) =>
        manifest.Services.Select(s => new ServiceEndpoint(s.Name, s.Port, s.ReadyPath)).ToList();

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
