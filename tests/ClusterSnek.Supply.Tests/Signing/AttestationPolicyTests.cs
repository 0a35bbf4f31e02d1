using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>
/// Statements built the way SignStage builds them, with the expected facts AttestationPolicy writes, judged by the real Rego policies
/// (policies/attestations) through the pinned trivy. All cases go through one trivy run (<see cref="AttestationCases"/>).
/// </summary>
public sealed class AttestationPolicyTests(AttestationCases cases) : IClassFixture<AttestationCases>
{
    [Fact]
    public void Provenance_from_the_expected_builder_at_the_release_commit_passes() => Assert.Empty(cases["good provenance"]);

    [Fact]
    public void An_SBOM_attestation_equal_to_the_SBOM_Sbom_wrote_passes() => Assert.Empty(cases["good sbom"]);

    [Fact]
    public void An_SBOM_reserialized_with_sorted_keys_as_cosign_does_still_equals_the_written_one() => Assert.Empty(cases["sbom sorted keys"]);

    [Fact]
    public void Provenance_from_another_commit_names_the_field_the_expected_and_the_found_commit() =>
        Assert.Equal([$"ATT004 predicate.buildDefinition.resolvedDependencies[].digest.gitCommit: expected {AttestationCases.Commit}, found ffffffffffffffffffffffffffffffffffffffff"],
            cases["other commit"]);

    [Fact]
    public void Provenance_without_a_commit_is_refused_when_the_release_has_one() =>
        Assert.Equal([$"ATT004 predicate.buildDefinition.resolvedDependencies[].digest.gitCommit: expected {AttestationCases.Commit}, found (none)"], cases["no commit"]);

    [Fact]
    public void Provenance_is_not_checked_for_a_commit_when_the_release_has_none() => Assert.Empty(cases["release without commit"]);

    [Fact]
    public void Provenance_from_another_builder_is_refused() =>
        Assert.Equal([$"ATT003 predicate.runDetails.builder.id: expected {AttestationCases.Local}, found https://evil.example/builder"], cases["other builder"]);

    [Fact]
    public void Provenance_of_another_build_type_is_refused() =>
        Assert.Equal([$"ATT002 predicate.buildDefinition.buildType: expected {ProvenanceFacts.BuildType}, found https://example.com/other/v1"], cases["other build type"]);

    [Fact]
    public void A_statement_about_another_digest_is_refused() =>
        Assert.Equal([$"ATT001 subject[].digest.sha256: expected {AttestationCases.Image}, found {AttestationCases.Other}"], cases["other subject"]);

    [Fact]
    public void Provenance_older_than_the_maximum_age_is_refused_naming_the_window()
    {
        var failure = Assert.Single(cases["old provenance"]);
        Assert.StartsWith("ATT006 predicate.runDetails.metadata.finishedOn: expected between 2026-01-01T00:00:00Z and ", failure, StringComparison.Ordinal);
        Assert.EndsWith("(at most 30 days old), found 2025-12-01T00:00:00Z", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Provenance_dated_in_the_future_is_refused() => Assert.StartsWith("ATT006 ", Assert.Single(cases["future provenance"]), StringComparison.Ordinal);

    [Fact]
    public void An_SBOM_attestation_that_differs_from_the_SBOM_Sbom_wrote_is_refused()
    {
        var failure = Assert.Single(cases["other sbom"]);
        Assert.StartsWith($"ATT005 predicate (sha256 of its canonical JSON): expected {AttestationPolicy.CanonicalSha256(AttestationCases.Written)} (artifacts/sbom/backend.cdx.json), found sha256:",
            failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_SBOM_attestation_without_an_SBOM_from_Sbom_is_refused() =>
        Assert.StartsWith("ATT005 predicate (sha256 of its canonical JSON): expected an SBOM written by Sbom for this digest (none found: run Sbom), found sha256:",
            Assert.Single(cases["sbom without file"]), StringComparison.Ordinal);

    [Fact]
    public void Several_failures_of_one_statement_are_all_named() =>
        Assert.Equal(["ATT002", "ATT003", "ATT004"], cases["everything wrong"].Select(f => f[..6]).Order());

    [Fact]
    public void The_statement_and_its_expected_facts_are_written_where_the_report_can_show_them()
    {
        var file = Path.Combine(cases.Rego.StatementsDirectory, "backend", "provenance.json");
        var written = JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal(AttestationPolicy.InputKind, written["kind"]!.GetValue<string>());
        Assert.Equal(AttestationCases.Image.Value, written["expected"]!["digest"]!.GetValue<string>());
        Assert.Equal(InTotoStatement.SlsaProvenancePredicate, written["statement"]!["predicateType"]!.GetValue<string>());
        // The SBOM's body stays out of the policy input (its hash is what ATT005 compares): "good sbom" is case1.
        var sbom = JsonNode.Parse(File.ReadAllText(Path.Combine(cases.Rego.StatementsDirectory, "case1", "sbom.json")))!;
        Assert.Equal("""{"bomFormat":"CycloneDX","specVersion":"1.5","componentCount":1}""", sbom["statement"]!["predicate"]!.ToJsonString());
        Assert.Equal(AttestationPolicy.CanonicalSha256(AttestationCases.Written), sbom["predicateSha256"]!.GetValue<string>());
    }
}

/// <summary>Every case of <see cref="AttestationPolicyTests"/>, judged in one trivy run; failures by case name.</summary>
public sealed class AttestationCases : IAsyncLifetime
{
    public static readonly Digest Image = Digest.Compute("image"u8);
    public static readonly Digest Other = Digest.Compute("other"u8);
    static readonly ImageReference Repository = ImageReference.Parse("127.0.0.1:5000/clustersnek/backend");
    public const string Local = "https://github.com/clustersnek/clustersnek/local-builder";
    public const string Commit = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";
    public static readonly JsonNode Written = JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"libssl3","version":"3.0"}]}""")!;
    static readonly DateTimeOffset Now = new(2026, 1, 31, 0, 0, 0, TimeSpan.Zero);

    readonly Dictionary<string, IReadOnlyList<string>> failures = [];
    public AttestationRego Rego { get; private set; } = null!;

    public IReadOnlyList<string> this[string name] => failures[name];

    static AttestationPolicy Policy(string? commit = Commit, bool withSbom = true) =>
        new(ProvenanceFacts.BuildType, [Local], commit, d => withSbom && d == Image ? ("artifacts/sbom/backend.cdx.json", Written) : null) { Now = Now };

    static InTotoStatement Provenance(string builder = Local, string? commit = Commit, DateTimeOffset? at = null, Digest? subject = null) =>
        InTotoStatement.For(Repository, subject ?? Image, InTotoStatement.SlsaProvenancePredicate, new ProvenanceFacts(builder, "1.0", "Sign",
            new Dictionary<string, object?>(), null, commit, "urn:uuid:1", at ?? Now.AddHours(-1), at ?? Now.AddHours(-1)).ToPredicate());

    static InTotoStatement Sbom(JsonNode predicate) => InTotoStatement.For(Repository, Image, InTotoStatement.CycloneDxPredicate, predicate);

    public async ValueTask InitializeAsync()
    {
        var otherType = Provenance().Predicate.DeepClone();
        otherType["buildDefinition"]!["buildType"] = "https://example.com/other/v1";
        var everything = Provenance(builder: "https://evil.example/builder", commit: "ffffffffffffffffffffffffffffffffffffffff").Predicate.DeepClone();
        everything["buildDefinition"]!["buildType"] = "https://example.com/other/v1";
        (string Name, InTotoStatement Statement, AttestationPolicy Policy)[] all =
        [
            ("good provenance", Provenance(), Policy()),
            ("good sbom", Sbom(Written.DeepClone()), Policy()),
            ("sbom sorted keys", Sbom(JsonNode.Parse("""{"components":[{"version":"3.0","name":"libssl3"}],"specVersion":"1.5","bomFormat":"CycloneDX"}""")!), Policy()),
            ("other commit", Provenance(commit: "ffffffffffffffffffffffffffffffffffffffff"), Policy()),
            ("no commit", Provenance(commit: null), Policy()),
            ("release without commit", Provenance(commit: "ffffffffffffffffffffffffffffffffffffffff"), Policy(commit: null)),
            ("other builder", Provenance(builder: "https://evil.example/builder"), Policy()),
            ("other build type", new InTotoStatement(Provenance().Subjects, InTotoStatement.SlsaProvenancePredicate, otherType), Policy()),
            ("other subject", Provenance(subject: Other), Policy()),
            ("old provenance", Provenance(at: new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero)), Policy()),
            ("future provenance", Provenance(at: Now.AddDays(2)), Policy()),
            ("other sbom", Sbom(JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}""")!), Policy()),
            ("sbom without file", Sbom(Written.DeepClone()), Policy(withSbom: false)),
            ("everything wrong", new InTotoStatement(Provenance().Subjects, InTotoStatement.SlsaProvenancePredicate, everything), Policy()),
        ];
        Rego = await Regos.CreateAsync();
        // One trivy run; each case is a service folder of its own with its own expected facts.
        var inputs = all.Select((c, i) => new AttestationInput(i == 0 ? "backend" : $"case{i}", Repository, Image, c.Statement)).ToList();
        var results = await Rego.EvaluateAsync([.. inputs.Select((input, i) => (input, all[i].Policy))], TestContext.Current.CancellationToken);
        for (var i = 0; i < all.Length; i++) failures[all[i].Name] = results[i];
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The real attestation policies run by the pinned trivy, with a work folder of their own.</summary>
public static class Regos
{
    public static string RegoDirectory => RealTools.RepositoryRoot / "policies" / "attestations" / "rego";

    public static async Task<AttestationRego> CreateAsync() =>
        new(await RealTools.TrivyAsync(), RegoDirectory, Path.Combine(Path.GetTempPath(), "clustersnek-attest-" + Guid.NewGuid().ToString("N")[..8]));
}
