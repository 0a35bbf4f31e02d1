using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Signing;

/// <summary>An in-toto v1 statement: what (subjects with digests) the predicate speaks about, and the predicate.</summary>
public sealed record InTotoStatement(IReadOnlyList<StatementSubject> Subjects, string PredicateType, JsonNode Predicate)
{
    public const string Type = "https://in-toto.io/Statement/v1";
    public const string CycloneDxPredicate = "https://cyclonedx.org/bom";
    public const string SlsaProvenancePredicate = "https://slsa.dev/provenance/v1";

    public static InTotoStatement For(ImageReference image, Digest digest, string predicateType, JsonNode predicate) =>
        new([new StatementSubject(image.Name, digest)], predicateType, predicate);

    public byte[] ToBytes()
    {
        var json = new JsonObject
        {
            ["_type"] = Type,
            ["subject"] = new JsonArray(Subjects.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["digest"] = new JsonObject { ["sha256"] = s.Digest.Hex },
            }).ToArray()),
            ["predicateType"] = PredicateType,
            ["predicate"] = Predicate.DeepClone(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>Reads a statement (in-toto v0.1 or v1); subjects without a sha256 digest are kept out.</summary>
    public static InTotoStatement Parse(byte[] content, string source)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(content); }
        catch (JsonException e) { throw new SigningException($"{source}: statement is not JSON: {e.Message}"); }
        var type = root?["_type"]?.GetValue<string>();
        if (type is not (Type or "https://in-toto.io/Statement/v0.1"))
            throw new SigningException($"{source}: not an in-toto statement (_type '{type}').");
        var subjects = (root!["subject"] as JsonArray ?? [])
            .Select(s => (Name: s?["name"]?.GetValue<string>() ?? "", Hex: s?["digest"]?["sha256"]?.GetValue<string>()))
            .Where(s => Digest.TryParse("sha256:" + s.Hex, out _))
            .Select(s => new StatementSubject(s.Name, new Digest("sha256:" + s.Hex))).ToList();
        return new InTotoStatement(subjects, root["predicateType"]?.GetValue<string>() ?? "", root["predicate"]?.DeepClone() ?? new JsonObject());
    }
}

/// <summary>One subject of a statement: a name and its sha256 digest.</summary>
public sealed record StatementSubject(string Name, Digest Digest);

/// <summary>What a SLSA v1 provenance predicate records about one build.</summary>
public sealed record ProvenanceFacts(
    string BuilderId,
    string BuilderVersion,
    string Target,
    IReadOnlyDictionary<string, object?> Parameters,
    string? RepositoryUri,
    string? Commit,
    string InvocationId,
    DateTimeOffset StartedOn,
    DateTimeOffset FinishedOn)
{
    /// <summary>What CheckReproducible found (this run or an earlier one); counts only for the commit the image was built from.</summary>
    public ReproducibilityRecord? Reproducibility { get; init; }

    public const string BuildType = "https://github.com/clustersnek/clustersnek/build/v1";

    /// <summary>
    /// Facts of the current run: on GitHub Actions the builder is the workflow run (repository, workflow ref, run id);
    /// elsewhere it is this machine's ClusterSnek. Parameters come from the run record, where secrets are already masked.
    /// </summary>
    public static ProvenanceFacts FromRun(Pipeline.RunRecord? run, string target, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var server = environment("GITHUB_SERVER_URL") ?? "https://github.com";
        var repository = environment("GITHUB_REPOSITORY");
        var onGitHub = environment("GITHUB_ACTIONS") == "true" && repository is not null;
        var builder = onGitHub ? $"{server}/{environment("GITHUB_WORKFLOW_REF") ?? repository}" : "https://github.com/clustersnek/clustersnek/local-builder";
        var invocation = onGitHub ? $"{server}/{repository}/actions/runs/{environment("GITHUB_RUN_ID")}/attempts/{environment("GITHUB_RUN_ATTEMPT") ?? "1"}"
            : "urn:uuid:" + Guid.NewGuid();
        var version = typeof(ProvenanceFacts).Assembly.GetName().Version?.ToString() ?? "0";
        return new ProvenanceFacts(builder, version, target, run?.Parameters ?? new Dictionary<string, object?>(),
            onGitHub ? $"{server}/{repository}" : null, run?.Commit ?? environment("GITHUB_SHA"), invocation,
            run?.StartedAt ?? DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Whether this image was checked reproducible: CheckReproducible built <see cref="Commit"/> twice in two folders and both builds
    /// gave <paramref name="subject"/>'s digest. Anything else (no check, another commit, a digest the check did not produce) says
    /// checked: false with the reason.
    /// </summary>
    JsonObject ReproducibilityOf(Digest? subject)
    {
        var r = Reproducibility;
        string? reason = r is null ? "CheckReproducible did not run for this build"
            : r.Commit != Commit ? $"CheckReproducible ran for commit {r.Commit}, not {Commit}"
            : subject is not null && !r.Images.Any(i => i.First == subject || i.Second == subject) ? "CheckReproducible built other digests (the tree or inputs differed)"
            : null;
        if (reason is not null) return new JsonObject { ["checked"] = false, ["reason"] = reason };
        var image = subject is null ? null : r!.Images.First(i => i.First == subject || i.Second == subject);
        return new JsonObject
        {
            ["checked"] = true,
            ["reproducible"] = image?.Identical ?? r!.Reproducible,
            ["method"] = "two clean clones of the commit in two folders, built with SOURCE_DATE_EPOCH = commit time; digests compared",
            ["sourceDateEpoch"] = r!.SourceDateEpoch,
        };
    }

    /// <summary>The predicate (slsa.dev/provenance/v1): buildDefinition with parameters (already redacted by the caller), runDetails with builder and times.</summary>
    public JsonNode ToPredicate(Digest? subject = null)
    {
        var dependencies = new JsonArray();
        if (Commit is not null)
            dependencies.Add(new JsonObject
            {
                ["uri"] = "git+" + (RepositoryUri ?? "local") + "@" + Commit,
                ["digest"] = new JsonObject { ["gitCommit"] = Commit },
            });
        return new JsonObject
        {
            ["buildDefinition"] = new JsonObject
            {
                ["buildType"] = BuildType,
                ["externalParameters"] = new JsonObject
                {
                    ["target"] = Target,
                    ["parameters"] = JsonSerializer.SerializeToNode(Parameters),
                },
                ["internalParameters"] = new JsonObject
                {
                    ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                    ["reproducibility"] = ReproducibilityOf(subject),
                },
                ["resolvedDependencies"] = dependencies,
            },
            ["runDetails"] = new JsonObject
            {
                ["builder"] = new JsonObject { ["id"] = BuilderId, ["version"] = new JsonObject { ["clustersnek"] = BuilderVersion } },
                ["metadata"] = new JsonObject
                {
                    ["invocationId"] = InvocationId,
                    ["startedOn"] = StartedOn.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["finishedOn"] = FinishedOn.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"),
                },
            },
        };
    }
}
