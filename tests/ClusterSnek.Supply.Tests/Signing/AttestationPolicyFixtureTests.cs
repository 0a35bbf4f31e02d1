using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>
/// Like <c>opa test</c>, as for the manifest policies: every attestation policy in policies/attestations/rego fails its
/// tests/&lt;ID&gt;/fail.json (and nothing else fires there) and passes every pass.json, through the real trivy in one run.
/// </summary>
public sealed class AttestationPolicyFixtureTests(AttestationFixtureScan scan) : IClassFixture<AttestationFixtureScan>
{
    static string Fixtures => RealTools.RepositoryRoot / "policies" / "attestations" / "tests";

    public static TheoryData<string> PolicyIds => [.. AttestationRego.LoadIds(Regos.RegoDirectory)];

    [Theory]
    [MemberData(nameof(PolicyIds))]
    public void Each_policy_fails_on_its_fail_fixture_and_only_it_fires_there(string policy)
    {
        var failed = scan.Checks.Where(c => c.File == $"{policy}/fail.json" && !c.Passed).ToList();
        Assert.Equal([policy], failed.Select(c => c.PolicyId));
        Assert.Matches(@"^ATT\d{3} [^:]+: expected .+, found .+$", failed[0].Reason);
    }

    [Theory]
    [MemberData(nameof(PolicyIds))]
    public void Each_pass_fixture_passes_every_policy(string policy) =>
        Assert.Empty(scan.Checks.Where(c => c.File == $"{policy}/pass.json" && !c.Passed).Select(c => c.Reason));

    [Fact]
    public void Every_policy_has_a_pass_and_a_fail_fixture_and_the_issue_rules_are_all_there()
    {
        Assert.Equal(["ATT001", "ATT002", "ATT003", "ATT004", "ATT005", "ATT006"], AttestationRego.LoadIds(Regos.RegoDirectory));
        var missing = AttestationRego.LoadIds(Regos.RegoDirectory).SelectMany(p => new[] { "pass", "fail" }.Select(k => Path.Combine(Fixtures, p, k + ".json")))
            .Where(f => !File.Exists(f)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task A_policy_trivy_cannot_compile_stops_verification_instead_of_passing()
    {
        var rego = Path.Combine(Path.GetTempPath(), "clustersnek-attest-broken-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(rego);
        foreach (var file in Directory.EnumerateFiles(Regos.RegoDirectory)) File.Copy(file, Path.Combine(rego, Path.GetFileName(file)));
        // object.keys is newer than trivy 0.44's OPA: trivy drops the whole policy without a word.
        File.WriteAllText(Path.Combine(rego, "ATT099_broken.rego"), """
            package user.attestations.ATT099

            __rego_metadata__ := {"id": "ATT099", "title": "broken", "severity": "LOW", "description": "d", "recommended_actions": "r"}

            __rego_input__ := {"selector": [{"type": "kubernetes"}]}

            deny[res] {
            	count(object.keys(input)) > 100
            	res := {"msg": "never"}
            }
            """);
        var broken = new AttestationRego(await RealTools.TrivyAsync(), rego, rego + "-work");

        var e = await Assert.ThrowsAsync<SigningException>(() => broken.RunAsync(Path.Combine(Fixtures, "ATT001"), TestContext.Current.CancellationToken));

        Assert.Contains("attestation policy ATT099 produced no result for", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>One trivy run over every fixture under policies/attestations/tests.</summary>
public sealed class AttestationFixtureScan : IAsyncLifetime
{
    public IReadOnlyList<AttestationCheck> Checks { get; private set; } = [];

    public async ValueTask InitializeAsync() =>
        Checks = await (await Regos.CreateAsync()).RunAsync(RealTools.RepositoryRoot / "policies" / "attestations" / "tests", TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
