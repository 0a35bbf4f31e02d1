using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>What a verified attestation must say; statements built the way SignStage builds them.</summary>
public sealed class AttestationPolicyTests
{
    static readonly Digest Image = Digest.Compute("image"u8);
    static readonly ImageReference Repository = ImageReference.Parse("127.0.0.1:5000/clustersnek/backend");
    const string Local = "https://github.com/clustersnek/clustersnek/local-builder";
    const string Commit = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";
    static readonly JsonNode Written = JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"libssl3"}]}""")!;

    static AttestationPolicy Policy(string? commit = Commit) =>
        new(ProvenanceFacts.BuildType, [Local], commit, d => d == Image ? ("artifacts/sbom/backend.cdx.json", Written) : null);

    static InTotoStatement Provenance(string builder = Local, string? commit = Commit) =>
        InTotoStatement.For(Repository, Image, InTotoStatement.SlsaProvenancePredicate, new ProvenanceFacts(builder, "1.0", "Sign",
            new Dictionary<string, object?>(), null, commit, "urn:uuid:1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).ToPredicate());

    [Fact]
    public void Provenance_from_the_expected_builder_at_the_release_commit_passes() => Assert.Empty(Policy().Check(Provenance(), Image));

    [Fact]
    public void Provenance_from_another_commit_names_the_field_the_expected_and_the_found_commit()
    {
        var failures = Policy().Check(Provenance(commit: "ffffffffffffffffffffffffffffffffffffffff"), Image);

        Assert.Equal([$"provenance buildDefinition.resolvedDependencies[].digest.gitCommit: expected {Commit}, found ffffffffffffffffffffffffffffffffffffffff"], failures);
    }

    [Fact]
    public void Provenance_from_another_builder_is_refused()
    {
        var failures = Policy().Check(Provenance(builder: "https://evil.example/builder"), Image);

        Assert.Equal([$"provenance runDetails.builder.id: expected {Local}, found https://evil.example/builder"], failures);
    }

    [Fact]
    public void Provenance_of_another_build_type_is_refused()
    {
        var predicate = Provenance().Predicate.DeepClone();
        predicate["buildDefinition"]!["buildType"] = "https://example.com/other/v1";

        var failures = Policy().Check(new InTotoStatement(Provenance().Subjects, InTotoStatement.SlsaProvenancePredicate, predicate), Image);

        Assert.Equal([$"provenance buildDefinition.buildType: expected {ProvenanceFacts.BuildType}, found https://example.com/other/v1"], failures);
    }

    [Fact]
    public void Provenance_without_a_commit_is_refused_when_the_release_has_one()
    {
        var failures = Policy().Check(Provenance(commit: null), Image);

        Assert.Equal([$"provenance buildDefinition.resolvedDependencies[].digest.gitCommit: expected {Commit}, found (none)"], failures);
    }

    [Fact]
    public void An_SBOM_attestation_equal_to_the_SBOM_Sbom_wrote_passes() =>
        Assert.Empty(Policy().Check(InTotoStatement.For(Repository, Image, InTotoStatement.CycloneDxPredicate, Written.DeepClone()), Image));

    [Fact]
    public void An_SBOM_attestation_that_differs_from_the_SBOM_Sbom_wrote_is_refused()
    {
        var other = JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}""")!;

        var failure = Assert.Single(Policy().Check(InTotoStatement.For(Repository, Image, InTotoStatement.CycloneDxPredicate, other), Image));

        Assert.StartsWith("SBOM attestation predicate: expected the SBOM in artifacts/sbom/backend.cdx.json (sha256:", failure, StringComparison.Ordinal);
        Assert.Contains("), found sha256:", failure, StringComparison.Ordinal);
    }
}
