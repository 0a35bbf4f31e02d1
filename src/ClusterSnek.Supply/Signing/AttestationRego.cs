using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Supply.Signing;

/// <summary>One verified statement about an image, to be judged by the attestation policies.</summary>
public sealed record AttestationInput(string Service, ImageReference Image, Digest Digest, InTotoStatement Statement);

/// <summary>What one attestation policy said about one input file (trivy's PASS or FAIL, and its message).</summary>
public sealed record AttestationCheck(string File, string PolicyId, bool Passed, string Message)
{
    /// <summary>"ATT004 predicate.…gitCommit: expected X, found Y" from the policy's "field | expected | found" message.</summary>
    public string Reason => Message.Split(" | ", 3) is [var name, var expected, var found]
        ? $"{PolicyId} {name}: expected {expected}, found {found}" : $"{PolicyId}: {Message}";
}

/// <summary>
/// Runs the Rego attestation policies (policies/attestations/rego, package user.attestations.*) on verified statements with the
/// pinned trivy, as PolicyTest runs the manifest policies: each statement is written with its expected facts to
/// &lt;work&gt;/statements/&lt;service&gt;/&lt;predicate&gt;.json and <c>trivy config --config-policy … --policy-namespaces user</c> judges
/// them. The policies are the only rules; this class writes their input and reads their verdicts. Fails closed: a policy that
/// reports nothing for a statement (trivy drops a policy it cannot compile) is an error, not a pass.
/// </summary>
public sealed partial class AttestationRego(Trivy trivy, string regoDirectory, string workDirectory)
{
    public const string Namespace = "user.attestations.";

    /// <summary>The ids (ATT001…) of the policies in the Rego folder, from their <c>__rego_metadata__</c>.</summary>
    public IReadOnlyList<string> PolicyIds { get; } = LoadIds(regoDirectory);

    /// <summary>The folder the statements are written to (artifacts/attestations/statements in the pipeline).</summary>
    public string StatementsDirectory => Path.Combine(workDirectory, "statements");

    /// <summary>The policy failures of each input, in input order (empty: the statement says what is expected).</summary>
    public Task<IReadOnlyList<IReadOnlyList<string>>> EvaluateAsync(IReadOnlyList<AttestationInput> inputs, AttestationPolicy policy,
        CancellationToken cancellation = default) => EvaluateAsync([.. inputs.Select(i => (i, policy))], cancellation);

    /// <summary>The policy failures of each input judged against its own expected facts, in input order.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> EvaluateAsync(IReadOnlyList<(AttestationInput Input, AttestationPolicy Policy)> inputs,
        CancellationToken cancellation = default)
    {
        if (inputs.Count == 0) return [];
        if (Directory.Exists(StatementsDirectory)) Directory.Delete(StatementsDirectory, recursive: true);
        var files = new List<string>();
        var documents = new List<JsonObject>();
        foreach (var (input, policy) in inputs)
        {
            var name = Path.Combine(Safe(input.Service), AttestationPolicy.PredicateName(input.Statement.PredicateType));
            var file = name + ".json";
            for (var n = 2; files.Contains(file); n++) file = $"{name}-{n}.json";
            files.Add(file);
            var path = Path.Combine(StatementsDirectory, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var document = policy.Input(input.Service, input.Image, input.Digest, input.Statement);
            documents.Add(document);
            await File.WriteAllTextAsync(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellation);
        }
        var now = inputs.Min(i => i.Policy.Now);
        var key = VerdictKey(documents);
        if (KeptPass(key, now))
        {
            Log.Information("Attestation policies: these {Count} statements passed them before (same facts, same Rego, same trivy) and the "
                + "oldest provenance is still within the age limit; not run again", documents.Count);
            return files.Select(_ => (IReadOnlyList<string>)[]).ToList();
        }
        var checks = await RunAsync(StatementsDirectory, cancellation);
        var failures = files.Select(f => (IReadOnlyList<string>)checks.Where(c => c.File == Normal(f) && !c.Passed).Select(c => c.Reason).ToList()).ToList();
        KeepPass(key, failures.All(f => f.Count == 0) ? ValidUntil(documents, inputs.Min(i => i.Policy.MaxAge)) : null);
        return failures;
    }

    /// <summary>Every attestation policy's verdict on every *.json under <paramref name="directory"/> (policy fixtures, or the statements).</summary>
    public async Task<IReadOnlyList<AttestationCheck>> RunAsync(string directory, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(workDirectory);
        var output = Path.Combine(workDirectory, "policy-result.json");
        File.Delete(output);
        await trivy.ConfigAsync(s => s with
        {
            Target = directory, Output = output, IncludeNonFailures = true, Namespaces = ["user"],
            CheckDirectories = [regoDirectory], CacheDirectory = Path.Combine(workDirectory, "trivy-cache"), Timeout = TimeSpan.FromMinutes(5),
        }, cancellation);
        var checks = Parse(await File.ReadAllTextAsync(output, cancellation));
        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Select(f => Normal(Path.GetRelativePath(directory, f))))
        {
            var seen = checks.Where(c => c.File == file).Select(c => c.PolicyId).ToHashSet();
            if (seen.Count == 0)
                throw new SigningException($"{Path.Combine(directory, file)}: trivy judged nothing in this statement file (it reads a JSON file only when it has apiVersion and kind); the attestation policies did not run.");
            if (PolicyIds.FirstOrDefault(id => !seen.Contains(id)) is { } dropped)
                throw new SigningException($"{regoDirectory}: attestation policy {dropped} produced no result for {file}; trivy drops a policy with a Rego error or a builtin newer than its OPA. Fix the policy (its fixtures in policies/attestations/tests show the error).");
        }
        return checks;
    }

    /// <summary>Reads trivy's documented JSON report: Results[].Target and the Misconfigurations of the user.attestations namespace.</summary>
    public static IReadOnlyList<AttestationCheck> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var checks = new List<AttestationCheck>();
        if (!doc.RootElement.TryGetProperty("Results", out var results) || results.ValueKind != JsonValueKind.Array) return checks;
        foreach (var result in results.EnumerateArray())
        {
            if (!result.TryGetProperty("Misconfigurations", out var list) || list.ValueKind != JsonValueKind.Array) continue;
            var file = Normal(Str(result, "Target"));
            foreach (var m in list.EnumerateArray().Where(m => Str(m, "Namespace").StartsWith(Namespace, StringComparison.Ordinal)))
                checks.Add(new AttestationCheck(file, Str(m, "ID"), Str(m, "Status") == "PASS", Str(m, "Message")));
        }
        return checks;
    }

    /// <summary>The policy ids in a Rego folder (each *.rego's __rego_metadata__ id).</summary>
    public static IReadOnlyList<string> LoadIds(string directory)
    {
        if (!Directory.Exists(directory))
            throw new SigningException($"{directory}: no such folder; the attestation policies live in policies/attestations/rego.");
        var ids = Directory.EnumerateFiles(directory, "*.rego").Order(StringComparer.Ordinal)
            .Select(f => MetadataId().Match(File.ReadAllText(f))).Where(m => m.Success).Select(m => m.Groups["id"].Value).ToList();
        if (ids.Count == 0) throw new SigningException($"{directory}: no attestation policies (*.rego with a __rego_metadata__ id) found.");
        return ids;
    }

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static string Normal(string path) => path.Replace('\\', '/');

    static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    [GeneratedRegex("\"id\"\\s*:\\s*\"(?<id>[^\"]+)\"")]
    private static partial Regex MetadataId();
}
