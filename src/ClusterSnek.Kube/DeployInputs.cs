using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;

namespace ClusterSnek.Kube;

/// <summary>
/// What Deploy takes from the stages before it: the images of this run (pipeline.json images[]), their signature
/// verdicts, and the values file that pins the chart to those digests.
/// </summary>
public static class DeployInputs
{
    /// <summary>images[] of the run in progress, else of the last run's artifacts/pipeline.json; entries without a digest are skipped.</summary>
    public static IReadOnlyList<DeployImage> Images(RunRecord? run, string pipelineJson)
    {
        var images = run?.Get<JsonArray>("images") ?? (File.Exists(pipelineJson) ? JsonNode.Parse(File.ReadAllText(pipelineJson))?["images"] as JsonArray : null);
        return (images ?? []).OfType<JsonObject>()
            .Where(i => i["digest"] is not null && i["reference"] is not null && i["service"] is not null)
            .Select(i => new DeployImage(i["service"]!.GetValue<string>(), i["reference"]!.GetValue<string>(), i["digest"]!.GetValue<string>()))
            .ToList();
    }

    /// <summary>
    /// Signature verdicts as VerifySignatures recorded them in images[].signatureVerification ({"passed": true, ...}):
    /// an independent check against the public key, after signing. An image without such a record has no verdict,
    /// and the gate refuses it (fail closed).
    /// </summary>
    public static IReadOnlyList<SignatureVerdict> RecordedVerdicts(RunRecord? run, string pipelineJson)
    {
        var images = run?.Get<JsonArray>("images") ?? (File.Exists(pipelineJson) ? JsonNode.Parse(File.ReadAllText(pipelineJson))?["images"] as JsonArray : null);
        return (images ?? []).OfType<JsonObject>()
            .Where(i => i["digest"] is not null && i["signatureVerification"] is JsonObject)
            .Select(i => new SignatureVerdict(i["digest"]!.GetValue<string>(), i["signatureVerification"]!["passed"]?.GetValueKind() == JsonValueKind.True,
                i["signatureVerification"]!.ToJsonString()))
            .ToList();
    }

    /// <summary>
    /// The values this run adds on top of the environment's file: each service's repository and digest, and
    /// <c>global.localRuntime</c> for the podman runtime. Written as a file so the exact input stays inspectable.
    /// </summary>
    public static string WriteRunValues(string path, IReadOnlyList<DeployImage> images, bool localRuntime)
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
