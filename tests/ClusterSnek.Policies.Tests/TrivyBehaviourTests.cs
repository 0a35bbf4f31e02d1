namespace ClusterSnek.Policies.Tests;

/// <summary>Facts about the pinned trivy 0.44 that PolicyTest is built on; if trivy changes, these say so.</summary>
public sealed class TrivyBehaviourTests
{
    [Fact]
    public async Task Known_broken_builtin_KSV116_fails_a_NetworkPolicy()
    {
        var scan = await FixtureScan.GetAsync();
        // A NetworkPolicy has no pod spec, so a working KSV116 could not fail it. When this test fails, the bundled KSV116 was
        // fixed: remove it from PolicyEvaluator.DisabledBuiltins.
        Assert.Contains(scan.Raw, c => c.Id == "KSV116" && c.Status == "FAIL" && c.Message.StartsWith("networkpolicy default-deny", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_policy_trivy_cannot_compile_is_reported_instead_of_silently_dropped()
    {
        var policies = Repo.TempDirectory();
        CopyDirectory(Repo.Root / "policies" / "rego", Path.Combine(policies, "rego"));
        // object.keys is newer than trivy 0.44's OPA: trivy drops the whole policy without a word.
        File.WriteAllText(Path.Combine(policies, "rego", "kubernetes", "CSK099_broken.rego"), """
            package user.clustersnek.CSK099

            __rego_metadata__ := {"id": "CSK099", "title": "broken", "severity": "LOW", "description": "d", "recommended_actions": "r"}

            __rego_input__ := {"selector": [{"type": "kubernetes"}]}

            deny[res] {
            	count(object.keys(input)) > 100
            	res := {"msg": "never"}
            }
            """);
        var evaluator = FixtureScan.Evaluator(Repo.TempDirectory(), PolicyCatalog.Load(policies));
        var e = await Assert.ThrowsAsync<PolicyInputException>(() => evaluator.EvaluateAsync("broken", Repo.Root / "policies" / "tests" / "CSK001" / "pass.yaml", false));
        Assert.Contains("CSK099 produced no result", e.Message);
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
