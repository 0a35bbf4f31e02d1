using ClusterSnek.Stack;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Charts.Tests;

/// <summary>
/// The chart's <c>helm test</c> Pods, rendered by the real helm: a command that exists in their image (the service binary's
/// <c>probe</c>, see ClusterSnek.Services.Tests.ProbeTests), labels the app's Service/PDB/NetworkPolicy do not select, and
/// NetworkPolicies that let exactly this traffic through (evaluated here as the NetworkPolicy API defines it: a pod is
/// isolated for a direction once any policy selects it for that direction, and then only the union of the rules allows).
/// </summary>
public sealed class TestHookTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);

    [Fact]
    public async Task Each_app_has_a_test_pod_that_probes_its_Service_with_the_app_s_own_binary_and_is_allowed_to_reach_it()
    {
        foreach (var env in Stack.Environments)
        {
            var docs = await ChartTests.RenderAsync(env.Name);
            foreach (var service in Stack.Services)
            {
                var test = docs.Single(d => ChartTests.Kind(d) == "Pod" && ChartTests.Name(d) == $"{service.Name}-test-health");
                var app = docs.Single(d => ChartTests.Kind(d) == "Deployment" && ChartTests.Name(d) == service.Name);
                var k8sService = docs.Single(d => ChartTests.Kind(d) == "Service" && ChartTests.Name(d) == service.Name);
                var pdb = docs.SingleOrDefault(d => ChartTests.Kind(d) == "PodDisruptionBudget" && ChartTests.Name(d) == service.Name);
                var testLabels = Map(ChartTests.At(test, "metadata", "labels"));
                var appLabels = Map(ChartTests.At(app, "spec", "template", "metadata", "labels"));
                var testContainer = (YamlMappingNode)((YamlSequenceNode)ChartTests.At(test, "spec", "containers")!)[0];
                var appContainer = (YamlMappingNode)((YamlSequenceNode)ChartTests.At(app, "spec", "template", "spec", "containers")!)[0];
                var port = ((YamlSequenceNode)ChartTests.At(k8sService, "spec", "ports")!).Children.OfType<YamlMappingNode>().Single();
                var where = $"{env.Name}/{service.Name}";

                Assert.Equal("test", ChartTests.At(test, "metadata", "annotations", "helm.sh/hook")?.ToString());
                // The app's own image and entrypoint; the probe verb and the Service's URL as arguments (no command override).
                Assert.Equal(ChartTests.At(appContainer, "image")!.ToString(), ChartTests.At(testContainer, "image")!.ToString());
                Assert.Null(ChartTests.At(testContainer, "command"));
                Assert.Equal(["probe", $"http://{service.Name}:{ChartTests.At(port, "port")}{service.HealthPath}"],
                    ((YamlSequenceNode)ChartTests.At(testContainer, "args")!).Children.Select(a => a.ToString()));

                Assert.False(Selects(Map(ChartTests.At(k8sService, "spec", "selector")), testLabels), $"{where}: the app's Service would route traffic to its test pod");
                if (pdb is not null) Assert.False(Selects(Map(ChartTests.At(pdb, "spec", "selector", "matchLabels")), testLabels), $"{where}: the app's PDB counts its test pod");

                var targetPort = int.Parse(ChartTests.At(port, "targetPort")!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(Allows(docs, "Egress", testLabels, appLabels, targetPort), $"{where}: no NetworkPolicy lets the test pod reach the app on {targetPort}");
                Assert.True(Allows(docs, "Ingress", appLabels, testLabels, targetPort), $"{where}: the app's NetworkPolicy refuses its test pod on {targetPort}");
                // …and nothing else: the test pod may not call another app, and another app's test pod may not call this one.
                foreach (var other in Stack.Services.Where(s => s.Name != service.Name))
                {
                    var otherApp = Map(ChartTests.At(docs.Single(d => ChartTests.Kind(d) == "Deployment" && ChartTests.Name(d) == other.Name), "spec", "template", "metadata", "labels"));
                    Assert.False(Allows(docs, "Egress", testLabels, otherApp, other.Port), $"{where}: the test pod may reach {other.Name}");
                }
            }
        }
    }

    [Fact]
    public async Task A_test_image_of_your_own_needs_its_command()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ChartTests.RenderAsync("dev",
            "global:\n  tests:\n    image:\n      repository: ghcr.io/acme/wget\n      digest: sha256:" + new string('1', 64) + "\n"));
        Assert.Contains("global.tests.command: a test image of your own", e.Message);
    }

    static Dictionary<string, string> Map(YamlNode? node) =>
        (node as YamlMappingNode)?.Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString()) ?? [];

    static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>
    /// Whether the policies of one namespace allow traffic in <paramref name="direction"/> for the pod with <paramref name="self"/>
    /// labels to/from the pod with <paramref name="peer"/> labels on <paramref name="port"/> (podSelector peers only; the
    /// chart's rules use no ipBlock or namespaceSelector between apps).
    /// </summary>
    static bool Allows(List<YamlMappingNode> docs, string direction, IReadOnlyDictionary<string, string> self, IReadOnlyDictionary<string, string> peer, int port)
    {
        var policies = docs.Where(d => ChartTests.Kind(d) == "NetworkPolicy"
            && Selects(Map(ChartTests.At(d, "spec", "podSelector", "matchLabels")), self)
            && ((YamlSequenceNode?)ChartTests.At(d, "spec", "policyTypes"))?.Children.Any(t => t.ToString() == direction) == true).ToList();
        if (policies.Count == 0) return true;
        var (rulesKey, peersKey) = direction == "Egress" ? ("egress", "to") : ("ingress", "from");
        return policies.SelectMany(p => ((YamlSequenceNode?)ChartTests.At(p, "spec", rulesKey))?.Children.OfType<YamlMappingNode>() ?? [])
            .Any(rule =>
            {
                var peers = ((YamlSequenceNode?)ChartTests.At(rule, peersKey))?.Children.OfType<YamlMappingNode>().ToList();
                var ports = ((YamlSequenceNode?)ChartTests.At(rule, "ports"))?.Children.OfType<YamlMappingNode>().ToList();
                var peerOk = peers is null || peers.Any(x => ChartTests.At(x, "podSelector") is { } selector
                    && ChartTests.At(x, "namespaceSelector") is null && ChartTests.At(x, "ipBlock") is null
                    && Selects(Map(ChartTests.At(selector, "matchLabels")), peer));
                var portOk = ports is null || ports.Any(p => ChartTests.At(p, "port")?.ToString() == port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return peerOk && portOk;
            });
    }
}
