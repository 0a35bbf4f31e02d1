namespace ClusterSnek.Policies.Tests;

/// <summary>Like <c>opa test</c>: every policy in policies/ fails its fail fixture and passes its pass fixture, through the real trivy.</summary>
public sealed class PolicyFixtureTests
{
    public static TheoryData<string> PolicyIds => [.. FixtureScan.Catalog.Policies.Select(p => p.Id)];

    [Theory]
    [MemberData(nameof(PolicyIds))]
    public async Task Each_policy_fails_on_its_fail_fixture(string policy)
    {
        var scan = await FixtureScan.GetAsync();
        Assert.True(scan.Failed(policy, "fail"), $"{policy} did not fire on policies/tests/{policy}/fail.yaml");
    }

    [Theory]
    [MemberData(nameof(PolicyIds))]
    public async Task Each_policy_passes_its_pass_fixture(string policy)
    {
        var scan = await FixtureScan.GetAsync();
        Assert.False(scan.Failed(policy, "pass"), $"{policy} fired on policies/tests/{policy}/pass.yaml");
    }

    [Fact]
    public void Every_policy_has_a_pass_and_a_fail_fixture()
    {
        var missing = FixtureScan.Catalog.Policies
            .SelectMany(p => new[] { "pass", "fail" }.Select(k => Repo.Root / "policies" / "tests" / p.Id / (k + ".yaml")))
            .Where(f => !File.Exists(f)).Select(f => f.Value).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void The_catalog_covers_every_rule_the_issue_names()
    {
        // digest, registry, latest, non-root, RO rootfs, caps, seccomp, resources, probes, host access, privilege escalation,
        // default-deny, PSS, secret data, SA per workload, wildcard RBAC, token, PDB, quota.
        Assert.Equal(Enumerable.Range(1, 19).Select(i => $"CSK{i:000}"), FixtureScan.Catalog.Policies.Select(p => p.Id));
    }
}
