using ClusterSnek.Stack;
using ClusterSnek.Tools;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Charts.Tests;

/// <summary>The chart against clustersnek.yaml and the hardening it promises, rendered by the real helm.</summary>
public sealed class ChartTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);
    static readonly string[] AppCharts = ["frontend", "backend", "ai-agent", "mcp-server"];

    internal static async Task<List<YamlMappingNode>> RenderAsync(string env, params string[] extraValues)
    {
        var chart = await Repo.BuiltChartAsync();
        var values = extraValues.Select(v => { var f = Path.Combine(Repo.TempDirectory(), "v.yaml"); File.WriteAllText(f, v); return f; });
        var output = Path.Combine(Repo.TempDirectory(), "m.yaml");
        var text = await new ChartRenderer(new Helm(await Repo.HelmAsync())).RenderAsync(new RenderRequest(chart, "clustersnek", Stack.Environment(env).Namespace,
            [Repo.Root / Stack.Environment(env).ValuesFile, .. values], Stack.Services.Select(s => ServiceImage.Placeholder(s.Name)).ToList()), output);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    internal static string Kind(YamlMappingNode d) => ((YamlScalarNode)d["kind"]).Value!;
    internal static string Name(YamlMappingNode d) => ((YamlScalarNode)((YamlMappingNode)d["metadata"])["name"]).Value!;
    internal static YamlNode? At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
            if (node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var next)) node = next; else return null;
        return node;
    }

    [Fact]
    public void There_is_one_subchart_per_service_of_clustersnek_yaml()
    {
        Assert.Equal(Stack.Services.Select(s => s.Name).Order(), AppCharts.Order());
        Assert.All(AppCharts, a => Assert.True(File.Exists(Repo.Root / "charts" / a / "Chart.yaml"), a));
    }

    [Fact]
    public void The_four_app_schemas_are_identical_copies()
    {
        var texts = AppCharts.Select(a => File.ReadAllText(Repo.Root / "charts" / a / "values.schema.json")).Distinct().ToList();
        Assert.Single(texts);
    }

    [Fact]
    public async Task Ports_health_paths_and_replicas_match_clustersnek_yaml()
    {
        foreach (var env in Stack.Environments)
        {
            var docs = await RenderAsync(env.Name);
            foreach (var service in Stack.Services)
            {
                var deployment = docs.Single(d => Kind(d) == "Deployment" && Name(d) == service.Name);
                Assert.Equal(env.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), At(deployment, "spec", "replicas")!.ToString());
                var container = (YamlMappingNode)((YamlSequenceNode)At(deployment, "spec", "template", "spec", "containers")!)[0];
                Assert.Equal(service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), At(container, "ports")!.AllNodes.OfType<YamlMappingNode>().Select(p => At(p, "containerPort")!.ToString()).Single());
                Assert.Equal(service.HealthPath, At(container, "livenessProbe", "httpGet", "path")!.ToString());
                Assert.Equal(service.ReadyPath, At(container, "readinessProbe", "httpGet", "path")!.ToString());
            }
            Assert.Equal(env.Replicas > 1 ? 4 : 0, docs.Count(d => Kind(d) == "PodDisruptionBudget"));
        }
    }

    [Fact]
    public async Task Only_the_ai_agent_gets_a_role_and_a_mounted_token()
    {
        var docs = await RenderAsync("dev");
        Assert.Equal(["ai-agent"], docs.Where(d => Kind(d) == "Role").Select(Name));
        var mounted = docs.Where(d => Kind(d) == "Deployment" && At(d, "spec", "template", "spec", "automountServiceAccountToken")!.ToString() == "true").Select(Name);
        Assert.Equal(["ai-agent"], mounted);
    }

    [Fact]
    public async Task No_Secret_is_rendered_and_existingSecret_is_referenced_by_name_only()
    {
        var docs = await RenderAsync("prod", "backend:\n  existingSecret: backend-credentials\n");
        Assert.DoesNotContain(docs, d => Kind(d) == "Secret");
        var backend = docs.Single(d => Kind(d) == "Deployment" && Name(d) == "backend");
        Assert.Contains("backend-credentials", At(backend, "spec", "template", "spec", "containers")!.ToString());
    }

    [Fact]
    public async Task The_local_runtime_switch_drops_container_ports_and_points_dependencies_at_loopback()
    {
        var docs = await RenderAsync("dev", "global:\n  localRuntime: true\n");
        var frontend = docs.Single(d => Kind(d) == "Deployment" && Name(d) == "frontend");
        var container = (YamlMappingNode)((YamlSequenceNode)At(frontend, "spec", "template", "spec", "containers")!)[0];
        Assert.Null(At(container, "ports"));
        Assert.Contains("http://127.0.0.1:8081", container.ToString());
    }

    [Fact]
    public async Task Kyverno_policies_are_off_by_default()
    {
        var docs = await RenderAsync("prod");
        Assert.DoesNotContain(docs, d => Kind(d) == "ClusterPolicy");
    }

    [Fact]
    public async Task Kyverno_policies_when_enabled_mirror_the_rules_and_verify_images_with_the_given_key()
    {
        var docs = await RenderAsync("prod", "kyverno-policies:\n  enabled: true\n  verifyImages:\n    publicKey: |\n" +
            "      -----BEGIN PUBLIC KEY-----\n      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtestkey\n      -----END PUBLIC KEY-----\n");
        var policies = docs.Where(d => Kind(d) == "ClusterPolicy").ToList();
        Assert.Equal(["clustersnek-clustersnek-prod-pod-security", "clustersnek-clustersnek-prod-rbac", "clustersnek-clustersnek-prod-verify-images"], policies.Select(Name));
        var text = string.Join("\n", policies.Select(p => p.ToString()));
        Assert.Contains("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtestkey", text);
        Assert.Contains("127.0.0.1:*", text);
    }

    [Fact]
    public async Task The_rendered_prod_manifests_match_the_reviewed_snapshot()
    {
        var chart = await Repo.BuiltChartAsync();
        var text = await new ChartRenderer(new Helm(await Repo.HelmAsync())).RenderAsync(new RenderRequest(chart, "clustersnek", "clustersnek-prod",
            [Repo.Root / "charts" / "clustersnek" / "values-prod.yaml"], Stack.Services.Select(s => ServiceImage.Placeholder(s.Name)).ToList()),
            Path.Combine(Repo.TempDirectory(), "m.yaml"));
        Expect.MatchesFile(text, "prod.manifests.yaml");
    }

    [Fact]
    public async Task The_ai_agent_reaches_the_Kubernetes_API_only_at_the_API_server_s_addresses()
    {
        static List<YamlMappingNode> Egress(List<YamlMappingNode> docs) =>
            ((YamlSequenceNode)At(docs.Single(d => Kind(d) == "NetworkPolicy" && Name(d) == "ai-agent"), "spec", "egress")!).Children.OfType<YamlMappingNode>().ToList();

        // Default values: no address is known, so no API egress at all; every egress rule names its peers.
        var closed = Egress(await RenderAsync("prod"));
        Assert.All(closed, rule => Assert.NotNull(At(rule, "to")));
        Assert.DoesNotContain(closed, rule => At(rule, "ports")!.AllNodes.OfType<YamlScalarNode>().Any(p => p.Value is "443" or "6443"));

        // What Deploy writes on a cluster (run values): the API server's addresses, on its ports, and nothing wider.
        var open = Egress(await RenderAsync("prod", "global:\n  kubeApiServer:\n    cidrs: [10.96.0.1/32, 172.18.0.2/32]\n    ports: [443, 6443]\n"));
        var api = Assert.Single(open, rule => At(rule, "ports")!.AllNodes.OfType<YamlScalarNode>().Any(p => p.Value == "6443"));
        Assert.Equal(["10.96.0.1/32", "172.18.0.2/32"], ((YamlSequenceNode)At(api, "to")!).Children.Select(p => At(p, "ipBlock", "cidr")!.ToString()));
        Assert.All(open, rule => Assert.NotNull(At(rule, "to")));
    }
}
