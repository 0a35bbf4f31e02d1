using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// What a verified attestation must *say* (what <c>cosign verify-attestation --policy</c> checks): the SLSA provenance names the
/// expected build type, one of the expected builders and the release's source commit; the SBOM attestation is the SBOM that
/// Sbom wrote for that digest. Each failure names the field, the expected and the found value.
/// </summary>
/// <param name="Commit">The release's commit (null when the run has none: not checked).</param>
/// <param name="SbomFor">The SBOM Sbom wrote for a digest, with its file name; null when there is none (a failure).</param>
public sealed record AttestationPolicy(
    string BuildType, IReadOnlyList<string> BuilderIds, string? Commit, Func<Digest, (string File, JsonNode Sbom)?> SbomFor)
{
    /// <summary>The failures of one verified statement about <paramref name="digest"/>; empty when it says what is expected.</summary>
    public IReadOnlyList<string> Check(InTotoStatement statement, Digest digest) => statement.PredicateType switch
    {
        InTotoStatement.SlsaProvenancePredicate => Provenance(statement.Predicate, digest),
        InTotoStatement.CycloneDxPredicate => Sbom(statement.Predicate, digest),
        _ => [],
    };

    /// <summary>The commit a digest's provenance must name (the commit its image was built from), when it differs per image.</summary>
    public Func<Digest, string?>? CommitFor { get; init; }

    List<string> Provenance(JsonNode predicate, Digest digest)
    {
        var expectedCommit = CommitFor?.Invoke(digest) ?? Commit;
        var failures = new List<string>();
        var buildType = predicate["buildDefinition"]?["buildType"]?.ToString();
        if (buildType != BuildType) failures.Add(Mismatch("buildDefinition.buildType", BuildType, buildType));
        var builder = predicate["runDetails"]?["builder"]?["id"]?.ToString();
        if (builder is null || !BuilderIds.Contains(builder))
            failures.Add(Mismatch("runDetails.builder.id", string.Join(" or ", BuilderIds), builder));
        if (expectedCommit is not null)
        {
            var commits = (predicate["buildDefinition"]?["resolvedDependencies"] as JsonArray ?? [])
                .Select(d => d?["digest"]?["gitCommit"]?.ToString()).OfType<string>().ToList();
            if (!commits.Contains(expectedCommit))
                failures.Add(Mismatch("buildDefinition.resolvedDependencies[].digest.gitCommit", expectedCommit,
                    commits.Count == 0 ? null : string.Join(", ", commits)));
        }
        return failures.Select(f => "provenance " + f).ToList();
    }

    List<string> Sbom(JsonNode predicate, Digest digest)
    {
        if (SbomFor(digest) is not { } written)
            return [$"SBOM attestation: no SBOM written by Sbom for {digest} to compare it with (run Sbom)"];
        return JsonNode.DeepEquals(predicate, written.Sbom) ? []
            : [Mismatch("SBOM attestation predicate", $"the SBOM in {written.File} ({Hash(written.Sbom)})", Hash(predicate))];
    }

    static string Mismatch(string field, string expected, string? found) => $"{field}: expected {expected}, found {found ?? "(none)"}";

    static string Hash(JsonNode node) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToJsonString())))[..16] + "…";
}
