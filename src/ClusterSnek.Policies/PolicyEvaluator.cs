using System.Text.Json;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Policies;

/// <summary>Runs trivy's built-in Kubernetes checks and the project's Rego on a manifests file or folder, and classifies the findings.</summary>
public sealed class PolicyEvaluator(Trivy trivy, PolicyCatalog catalog, IReadOnlyList<string> allowedRegistries,
    IReadOnlyList<PolicyException> exceptions, string workDirectory)
{
    /// <summary>Built-in checks that are wrong in the pinned trivy bundle. Listed in every result with the reason; never silently dropped.</summary>
    public static readonly IReadOnlyList<DisabledCheck> DisabledBuiltins =
    [
        new("KSV116", "trivy 0.44's bundled KSV116 fails every resource, even a Service with no pod spec (tested: Known_broken_builtin_KSV116_fails_a_plain_Service); CSK004 checks runAsGroup instead."),
    ];

    /// <summary>Checks kept from an earlier run of the same manifests (digests aside), Rego and scanner; null: always check.</summary>
    public PolicyReuse? Reuse { get; init; }

    public async Task<PolicyResult> EvaluateAsync(string name, string manifests, bool placeholderDigests, CancellationToken cancellation = default)
    {
        var index = ManifestIndex.Build(manifests);
        var key = Reuse?.Key(manifests, catalog.RegoDirectory, string.Join(",", allowedRegistries));
        if (key is not null && Reuse!.TryRead(name, key) is { } kept)
        {
            Log.Information("{Env}: the manifests differ from the last passing check only in image digests, and the policies and trivy are the same: "
                + "its checks are reused, exceptions applied afresh", name);
            return Classify(name, kept, index, placeholderDigests);
        }
        var checks = await CheckAsync(name, manifests, cancellation);
        var result = Classify(name, checks, index, placeholderDigests);
        if (key is not null) Reuse!.Write(name, key, checks, result);
        return result;
    }

    /// <summary>Everything trivy reports on the manifests: built-in checks and the project's, passes included.</summary>
    internal async Task<IReadOnlyList<TrivyCheck>> CheckAsync(string name, string manifests, CancellationToken cancellation = default)
    {
        var work = Directory.CreateDirectory(Path.Combine(workDirectory, name)).FullName;
        var data = Directory.CreateDirectory(Path.Combine(work, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "clustersnek.json"),
            JsonSerializer.Serialize(new { clustersnek = new { allowedRegistries } }), cancellation);

        // trivy also detects and renders Helm charts inside a folder; a single file is scanned from a folder of its own.
        var target = manifests;
        if (File.Exists(manifests))
        {
            target = Directory.CreateDirectory(Path.Combine(work, "input")).FullName;
            File.Copy(manifests, Path.Combine(target, Path.GetFileName(manifests)), overwrite: true);
        }
        var output = Path.Combine(work, "trivy.json");
        await trivy.ConfigAsync(s => s with
        {
            Target = target, Output = output, IncludeNonFailures = true, Namespaces = ["user"],
            CheckDirectories = [catalog.RegoDirectory], DataDirectories = [data],
            // Each run gets its own cache: a config scan caches nothing worth sharing, and a shared one is locked by the other runs.
            CacheDirectory = Path.Combine(work, "trivy-cache"), Timeout = TimeSpan.FromMinutes(5),
        }, cancellation);
        return TrivyReport.Parse(await File.ReadAllTextAsync(output, cancellation));
    }

    internal PolicyResult Classify(string name, IReadOnlyList<TrivyCheck> checks, ManifestIndex index, bool placeholderDigests)
    {
        var disabled = DisabledBuiltins.Select(d => d.Id).ToHashSet();
        var relevant = checks.Where(c => c.Id is not ("" or "N/A") && !disabled.Contains(c.Id)).ToList();

        // A policy trivy could not compile is dropped without a word; a per-document policy always reports PASS or FAIL, so absence means it was dropped.
        var seen = relevant.Where(c => c.IsProject).Select(c => c.Id).ToHashSet();
        var missing = catalog.Policies.Where(p => !p.Combined && !seen.Contains(p.Id)).ToList();
        if (missing.Count > 0)
            throw new PolicyInputException($"{missing[0].File}: policy {missing[0].Id} produced no result; trivy dropped it, which is what trivy 0.44 does with a Rego error or a builtin newer than its OPA. Fix the policy (its test in policies/tests shows the error).");

        var violations = new List<PolicyViolation>();
        var excepted = new List<PolicyViolation>();
        foreach (var check in relevant.Where(c => c.Status == "FAIL"))
        {
            var (resource, field, text) = TrivyReport.SplitMessage(check);
            resource ??= index.At(check.File, check.Line)?.Resource ?? $"{check.File}:{check.Line}";
            // A combined (cross-document) policy reports against whichever file trivy picked; point at the resource's own document instead.
            var document = index.Documents.FirstOrDefault(d => d.Resource == resource);
            var info = catalog.Find(check.Id);
            var violation = new PolicyViolation(check.Id, info?.Title ?? check.Title, check.Severity, check.IsProject ? PolicySource.Project : PolicySource.Builtin,
                resource, field, text, info?.Fix ?? check.Resolution, document?.File ?? check.File, document?.StartLine ?? check.Line);
            var exception = exceptions.FirstOrDefault(e => e.Matches(check.Id, resource));
            if (exception is null) violations.Add(violation);
            else excepted.Add(violation with { ExceptedBy = exception });
        }
        violations = violations.DistinctBy(v => (v.PolicyId, v.Resource, v.Field, v.Message)).OrderBy(v => v.PolicyId, StringComparer.Ordinal).ThenBy(v => v.Resource, StringComparer.Ordinal).ToList();

        var run = relevant.Select(c => c.Id).Concat(catalog.Policies.Select(p => p.Id)).ToHashSet();
        var failed = violations.Select(v => v.PolicyId).ToHashSet();
        return new PolicyResult(name, run.Count, run.Count - failed.Count, failed.Count, violations, excepted, DisabledBuiltins,
            catalog.Policies.Select(p => p.Id).ToList(), placeholderDigests);
    }
}
