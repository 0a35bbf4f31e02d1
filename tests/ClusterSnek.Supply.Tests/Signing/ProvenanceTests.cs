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

    [Fact]
    public void Docker_config_credentials_are_read_from_the_auths_map()
    {
        var json = """{"auths":{"https://ghcr.io":{"auth":"cm9ib3Q6czNjcmV0"},"bad":{"auth":"%%%"}}}""";
        var (host, credentials) = Assert.Single(ClusterSnek.Images.Distribution.DockerConfigCredentials.Read(json));
        Assert.Equal(("ghcr.io", "robot", "s3cret"), (host, credentials.Username, credentials.Password));
        Assert.Equal("robot:***", credentials.ToString());
    }
}
