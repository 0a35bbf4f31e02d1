using ClusterSnek.Charts;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Policies.Tests;

/// <summary>The shipped chart against every policy, rendered by the real helm and checked by the real trivy.</summary>
public sealed class ChartPolicyTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);
    static string Chart => Repo.BuiltChartAsync().GetAwaiter().GetResult();

    static async Task<ChartRenderer> RendererAsync() => new(new Helm(await Repo.HelmAsync()));

    static IReadOnlyList<ServiceImage> Placeholders => Stack.Services.Select(s => ServiceImage.Placeholder(s.Name)).ToList();

    [Fact]
    public async Task The_shipped_chart_passes_every_policy_in_every_environment_with_zero_exceptions()
    {
        var output = Repo.TempDirectory();
        var gate = new PolicyGate(await RendererAsync(), FixtureScan.Evaluator(Path.Combine(output, "work")));
        var envs = Stack.Environments.Select(e => new PolicyEnvironment(e.Name, e.Namespace, Repo.Root / e.ValuesFile)).ToList();
        IReadOnlyList<object>? recorded = null;

        var results = await gate.RunAsync(new PolicyTestRequest(Chart, Stack.Chart.Release, envs, [], null, Placeholders, null, output), s => recorded = s);

        Assert.Equal(["dev", "staging", "prod"], results.Select(r => r.Environment));
        Assert.All(results, r => Assert.Empty(r.Violations));
        Assert.All(results, r => Assert.Empty(r.Excepted));
        Assert.All(results, r => Assert.True(r.ChecksRun > 100, $"{r.Environment}: only {r.ChecksRun} checks ran"));
        Assert.Equal(3, recorded!.Count);
        Assert.True(File.Exists(Path.Combine(output, "prod.sarif")));
    }

    /// <summary>Each case weakens one hardening default through a values file; PolicyTest must name the policy that catches it.</summary>
    public static TheoryData<string, string, string> Weakenings => new()
    {
        { "run-as-root", "backend:\n  podSecurityContext:\n    runAsNonRoot: false\n    runAsUser: 0\n  securityContext:\n    runAsNonRoot: false\n    runAsUser: 0\n", "CSK004" },
        { "writable-rootfs", "backend:\n  securityContext:\n    readOnlyRootFilesystem: false\n", "CSK005" },
        { "keep-capabilities", "backend:\n  securityContext:\n    capabilities:\n      drop: []\n", "CSK006" },
        { "no-seccomp", "backend:\n  podSecurityContext:\n    seccompProfile:\n      type: Unconfined\n  securityContext:\n    seccompProfile:\n      type: Unconfined\n", "CSK007" },
        { "no-limits", "backend:\n  resources:\n    requests:\n      cpu: 50m\n      memory: 64Mi\n    limits: null\n", "CSK008" },
        { "no-liveness", "frontend:\n  probes:\n    liveness:\n      enabled: false\n", "CSK009" },
        { "host-network", "mcp-server:\n  hostNetwork: true\n", "CSK010" },
        { "privilege-escalation", "ai-agent:\n  securityContext:\n    allowPrivilegeEscalation: true\n", "CSK011" },
        { "no-default-deny", "networkPolicy:\n  defaultDeny: false\n", "CSK012" },
        { "baseline-pss", "namespace:\n  podSecurity:\n    enforce: baseline\n", "CSK013" },
        { "wildcard-rbac", "ai-agent:\n  rbac:\n    rules:\n      - apiGroups: ['*']\n        resources: ['*']\n        verbs: ['*']\n", "CSK016" },
        { "no-quota", "resourceQuota:\n  enabled: false\n", "CSK019" },
        { "foreign-registry", "backend:\n  image:\n    repository: docker.io/library/nginx\n", "CSK002" },
    };

    static readonly Lazy<Task<(PolicyResult Result, string Root)>> WeakenedScan = new(ScanWeakenedAsync);

    // All cases render into one folder, each in its own namespace, so one trivy run checks them all.
    static async Task<(PolicyResult, string)> ScanWeakenedAsync()
    {
        var renderer = await RendererAsync();
        var root = Repo.TempDirectory();
        var manifests = Directory.CreateDirectory(Path.Combine(root, "manifests")).FullName;
        // Without the test-hook Pods: trivy's cost grows with the number of documents, and the hooks add nothing here.
        var lean = Path.Combine(root, "lean.values.yaml");
        await File.WriteAllTextAsync(lean, "global:\n  tests:\n    enabled: false\n");
        foreach (var row in Weakenings)
        {
            var (name, values, _) = row.Data;
            var file = Path.Combine(root, name + ".values.yaml");
            await File.WriteAllTextAsync(file, values);
            await renderer.RenderAsync(new RenderRequest(Chart, "clustersnek", "weak-" + name, [Repo.Root / Stack.Environment("dev").ValuesFile, lean, file], Placeholders),
                Path.Combine(manifests, name + ".yaml"));
            File.Delete(Path.Combine(manifests, name + ".images.yaml"));
        }
        var result = await FixtureScan.Evaluator(Path.Combine(root, "work")).EvaluateAsync("weakened", manifests, true);
        return (result, root);
    }

    [Theory]
    [MemberData(nameof(Weakenings))]
    public async Task Weakening_a_hardening_default_fails_with_the_policy_named(string name, string values, string policy)
    {
        _ = values;
        var (result, _) = await WeakenedScan.Value;
        var inNamespace = result.Violations.Where(v => v.Resource.Split('/')[1] == "weak-" + name).Select(v => v.PolicyId).Distinct().ToList();
        Assert.Contains(policy, inNamespace);
    }
}
