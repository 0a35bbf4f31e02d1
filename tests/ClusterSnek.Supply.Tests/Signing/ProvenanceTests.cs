using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

public sealed class ProvenanceTests
{
    static string? GitHub(string name) => name switch
    {
        "GITHUB_ACTIONS" => "true",
        "GITHUB_REPOSITORY" => "org/clustersnek",
        "GITHUB_WORKFLOW_REF" => "org/clustersnek/.github/workflows/release.yml@refs/heads/main",
        "GITHUB_RUN_ID" => "42",
        "GITHUB_SHA" => "0123456789abcdef0123456789abcdef01234567",
        _ => null,
    };

    [Fact]
    public void On_github_the_builder_is_the_workflow_and_the_commit_a_resolved_dependency()
    {
        var facts = ProvenanceFacts.FromRun(null, "Sign", GitHub) with
        {
            StartedOn = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), FinishedOn = new DateTimeOffset(2026, 11, 25, 12, 5, 0, TimeSpan.Zero),
            BuilderVersion = "1.0.0.0", Parameters = new Dictionary<string, object?> { ["Env"] = "prod", ["SigningKeyPassword"] = "***" },
        };
        var p = facts.ToPredicate();
        Assert.Equal("https://github.com/org/clustersnek/.github/workflows/release.yml@refs/heads/main", p["runDetails"]!["builder"]!["id"]!.GetValue<string>());
        Assert.Equal("https://github.com/org/clustersnek/actions/runs/42/attempts/1", p["runDetails"]!["metadata"]!["invocationId"]!.GetValue<string>());
        Assert.Equal("git+https://github.com/org/clustersnek@0123456789abcdef0123456789abcdef01234567", p["buildDefinition"]!["resolvedDependencies"]![0]!["uri"]!.GetValue<string>());
        Assert.Equal("***", p["buildDefinition"]!["externalParameters"]!["parameters"]!["SigningKeyPassword"]!.GetValue<string>());
        Assert.Equal("2026-11-25T12:05:00Z", p["runDetails"]!["metadata"]!["finishedOn"]!.GetValue<string>());
        Assert.Equal(ProvenanceFacts.BuildType, p["buildDefinition"]!["buildType"]!.GetValue<string>());
    }

    static readonly Digest Checked = new("sha256:" + new string('a', 64));

    static ReproducibilityRecord Check(string commit, bool identical) => new(commit, 1_796_000_000, ["/tmp/a", "/tmp/b/c"], identical,
        [new ReproducedImage("backend", Checked, identical ? Checked : new Digest("sha256:" + new string('b', 64)), identical, [])], 1000);

    [Fact]
    public void The_provenance_says_an_image_was_checked_reproducible_only_for_its_commit_and_digest()
    {
        var facts = ProvenanceFacts.FromRun(null, "Sign", GitHub);
        string? Field(ProvenanceFacts f, Digest d, string name) =>
            f.ToPredicate(d)["buildDefinition"]!["internalParameters"]!["reproducibility"]![name]?.ToJsonString();

        Assert.Equal("false", Field(facts, Checked, "checked"));
        Assert.Equal("\"CheckReproducible did not run for this build\"", Field(facts, Checked, "reason"));

        var same = facts with { Reproducibility = Check(facts.Commit!, identical: true) };
        Assert.Equal(("true", "true", "1796000000"), (Field(same, Checked, "checked"), Field(same, Checked, "reproducible"), Field(same, Checked, "sourceDateEpoch")));
        Assert.Equal("false", Field(same, new Digest("sha256:" + new string('c', 64)), "checked"));

        var differed = facts with { Reproducibility = Check(facts.Commit!, identical: false) };
        Assert.Equal(("true", "false"), (Field(differed, Checked, "checked"), Field(differed, Checked, "reproducible")));

        var otherCommit = facts with { Reproducibility = Check("1111111111111111111111111111111111111111", identical: true) };
        Assert.StartsWith("\"CheckReproducible ran for commit 1111", Field(otherCommit, Checked, "reason"));
    }

    [Fact]
    public void Docker_config_credentials_are_read_from_the_auths_map()
    {
        var json = """{"auths":{"https://ghcr.io":{"auth":"cm9ib3Q6czNjcmV0"},"bad":{"auth":"%%%"}}}""";
        var (host, credentials) = Assert.Single(ClusterSnek.Images.Distribution.DockerConfigCredentials.Read(json));
        Assert.Equal(("ghcr.io", "robot", "s3cret"), (host, credentials.Username, credentials.Password));
        Assert.Equal("robot:***", credentials.ToString());
    }
}
