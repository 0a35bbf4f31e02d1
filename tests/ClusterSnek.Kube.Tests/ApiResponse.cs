using System.Text.Json.Nodes;
using k8s;

namespace ClusterSnek.Kube.Tests;

/// <summary>Reads ApiResponses/*.json (Kubernetes API documented shape, no cluster here) with KubernetesClient's KubernetesJson.</summary>
static class ApiResponse
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ApiResponses", name));

    public static T Read<T>(string name) => KubernetesJson.Deserialize<T>(Text(name));

    /// <summary>The same response with one change, for the variations a test needs (the files stay the documented baseline).</summary>
    public static T Edit<T>(string name, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(Text(name))!;
        edit(node);
        return KubernetesJson.Deserialize<T>(node.ToJsonString());
    }
}
