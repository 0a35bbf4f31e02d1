using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Signing;

/// <summary>
/// The facts a verified attestation is judged against (what <c>cosign verify-attestation --policy</c> is given): the expected build
/// type, builders, the release's commit, the SBOM Sbom wrote for each digest and the maximum age. It judges nothing itself: the
/// rules are the Rego policies in policies/attestations (<see cref="AttestationRego"/>); this only writes their input.
/// </summary>
/// <param name="Commit">The release's commit (null when the run has none: not checked).</param>
/// <param name="SbomFor">The SBOM Sbom wrote for a digest, with its file name; null when there is none (the SBOM rule then fails).</param>
public sealed record AttestationPolicy(
    string BuildType, IReadOnlyList<string> BuilderIds, string? Commit, Func<Digest, (string File, JsonNode Sbom)?> SbomFor)
{
    /// <summary>The commit a digest's provenance must name (the commit its image was built from), when it differs per image.</summary>
    public Func<Digest, string?>? CommitFor { get; init; }

    /// <summary>How old a provenance may be (--attestation-max-age-days).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(DefaultMaxAgeDays);

    /// <summary>The time statements are judged at; a statement dated later than this plus <see cref="ClockSkew"/> is refused too.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    public const int DefaultMaxAgeDays = 30;
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(10);
    public const string InputKind = "AttestationCheck";

    /// <summary>
    /// The policy input for one verified statement about <paramref name="digest"/>: the statement as verified, the sha256 of its
    /// predicate's canonical JSON, and the expected facts. Shaped as a Kubernetes-style document (apiVersion, kind, metadata) because
    /// trivy 0.44 evaluates custom Rego on a JSON file only when it detects one (tested: a plain JSON or YAML file gives
    /// "Detected config files: 0").
    /// </summary>
    public JsonObject Input(string service, ImageReference image, Digest digest, InTotoStatement statement)
    {
        var expected = new JsonObject
        {
            ["digest"] = digest.Value,
            ["buildType"] = BuildType,
            ["builderIds"] = new JsonArray(BuilderIds.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
            ["notBefore"] = Rfc3339(Now - MaxAge),
            ["notAfter"] = Rfc3339(Now + ClockSkew),
            ["maxAgeDays"] = Math.Round(MaxAge.TotalDays, 2),
        };
        if ((CommitFor?.Invoke(digest) ?? Commit) is { } commit) expected["commit"] = commit;
        if (SbomFor(digest) is { } sbom)
        {
            expected["sbomSha256"] = CanonicalSha256(sbom.Sbom);
            expected["sbomFile"] = sbom.File;
        }
        return new JsonObject
        {
            ["apiVersion"] = "clustersnek.dev/v1",
            ["kind"] = InputKind,
            ["metadata"] = new JsonObject { ["name"] = $"{service}-{PredicateName(statement.PredicateType)}" },
            ["service"] = service,
            ["image"] = image.Name,
            ["statement"] = Statement(statement),
            ["predicateSha256"] = CanonicalSha256(statement.Predicate),
            ["expected"] = expected,
        };
    }

    /// <summary>
    /// The verified statement as the policies see it. An SBOM's body is left out (its bomFormat, specVersion and component count
    /// stay): the rules compare its hash (predicateSha256), and trivy parses every object of an input, which doubled the run on
    /// real 110 KB SBOMs (measured: 29 s with the bodies, 12.5 s without, four services).
    /// </summary>
    static JsonNode Statement(InTotoStatement statement)
    {
        var json = JsonNode.Parse(statement.ToBytes())!;
        if (statement.PredicateType == InTotoStatement.CycloneDxPredicate && statement.Predicate is JsonObject sbom)
            json["predicate"] = new JsonObject
            {
                ["bomFormat"] = sbom["bomFormat"]?.DeepClone(),
                ["specVersion"] = sbom["specVersion"]?.DeepClone(),
                ["componentCount"] = (sbom["components"] as JsonArray)?.Count ?? 0,
            };
        return json;
    }

    /// <summary>The short name of a predicate type, used for file and document names.</summary>
    public static string PredicateName(string predicateType) => predicateType switch
    {
        InTotoStatement.SlsaProvenancePredicate => "provenance",
        InTotoStatement.CycloneDxPredicate => "sbom",
        _ => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(predicateType)))[..12],
    };

    /// <summary>
    /// sha256 of the JSON with object keys sorted (recursively) and no whitespace: the same SBOM hashes the same whether it was
    /// embedded as written (the native signer) or re-serialized with sorted keys (cosign attest).
    /// </summary>
    public static string CanonicalSha256(JsonNode node) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(node)?.ToJsonString() ?? "null")));

    static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    static string Rfc3339(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ");
}
