namespace ClusterSnek.Policies.Tests;

/// <summary>PolicyTest's per-environment reuse key: digests aside, everything the checks read.</summary>
public sealed class PolicyReuseTests : IDisposable
{
    static readonly ClusterSnek.Pipeline.ResultSeal Seal = ClusterSnek.Pipeline.ResultSeal.FromKey("policy-reuse-test-key");

    readonly string root = Path.Combine(Path.GetTempPath(), "clustersnek-policyreuse-" + Guid.NewGuid().ToString("N")[..8]);

    public PolicyReuseTests()
    {
        Directory.CreateDirectory(Path.Combine(root, "rego"));
        File.WriteAllText(Path.Combine(root, "rego", "a.rego"), "package user.a");
    }

    public void Dispose() { try { Directory.Delete(root, recursive: true); } catch (IOException) { } }

    string Manifests(string image)
    {
        var file = Path.Combine(root, "manifests.yaml");
        File.WriteAllText(file, $"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: {image}\n");
        return file;
    }

    [Fact]
    public void Only_a_new_digest_keeps_the_key_a_registry_a_policy_or_the_scanner_changes_it()
    {
        var reuse = new PolicyReuse(Path.Combine(root, "reuse"), "trivy 0.44.1", Seal);
        var rego = Path.Combine(root, "rego");
        var first = reuse.Key(Manifests("127.0.0.1:5000/clustersnek/backend@sha256:" + new string('1', 64)), rego, "127.0.0.1");

        Assert.Equal(first, reuse.Key(Manifests("127.0.0.1:5000/clustersnek/backend@sha256:" + new string('2', 64)), rego, "127.0.0.1"));
        Assert.NotEqual(first, reuse.Key(Manifests("docker.io/evil/backend@sha256:" + new string('2', 64)), rego, "127.0.0.1"));
        Assert.NotEqual(first, reuse.Key(Manifests("127.0.0.1:5000/clustersnek/backend:latest"), rego, "127.0.0.1"));
        Assert.NotEqual(first, new PolicyReuse(Path.Combine(root, "reuse"), "trivy 0.50.0", Seal)
            .Key(Manifests("127.0.0.1:5000/clustersnek/backend@sha256:" + new string('1', 64)), rego, "127.0.0.1"));

        File.WriteAllText(Path.Combine(rego, "a.rego"), "package user.a\ndeny[msg] { msg := \"x\" }");
        Assert.NotEqual(first, reuse.Key(Manifests("127.0.0.1:5000/clustersnek/backend@sha256:" + new string('1', 64)), rego, "127.0.0.1"));
    }

    [Fact]
    public void A_failing_or_excepted_result_is_never_kept()
    {
        var reuse = new PolicyReuse(Path.Combine(root, "reuse"), "trivy 0.44.1", Seal);
        var pass = new TrivyCheck("m.yaml", "CSK001", "t", "HIGH", "PASS", "", "", 1, true);
        PolicyResult Result(int failed) => new("dev", 1, 1 - failed, failed, [], [], [], ["CSK001"], false);

        reuse.Write("dev", "k", [pass], Result(0));
        Assert.Equal([pass], reuse.TryRead("dev", "k"));
        Assert.Null(reuse.TryRead("dev", "other key"));

        reuse.Write("dev", "k", [pass with { Status = "FAIL" }], Result(1));
        Assert.Null(reuse.TryRead("dev", "k"));
    }
}
