using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Policies.Tests;

/// <summary>
/// One real trivy run over every fixture in policies/tests. Each fixture uses its own namespace (csk005-fail...), so
/// the results of cross-document policies, which trivy attributes to an arbitrary file, are told apart by namespace.
/// </summary>
public sealed class FixtureScan
{
    static readonly Lazy<Task<FixtureScan>> Shared = new(() => RunAsync(Repo.Root / "policies" / "tests"));

    public static Task<FixtureScan> GetAsync() => Shared.Value;

    public required IReadOnlyList<(string Policy, string Status, string Resource)> Checks { get; init; }

    /// <summary>Everything trivy reported (built-in checks too), and the documents scanned, for tests that classify without another run.</summary>
    public required IReadOnlyList<TrivyCheck> Raw { get; init; }
    public required ManifestIndex Index { get; init; }

    public static PolicyCatalog Catalog => PolicyCatalog.Load(Repo.Root / "policies");

    public static PolicyEvaluator Evaluator(string work, PolicyCatalog? catalog = null, IReadOnlyList<PolicyException>? exceptions = null)
    {
        var trivy = TrivyAsync().GetAwaiter().GetResult();
        var registries = ManifestReader.Load(Repo.Root / StackManifest.FileName).Policies.AllowedRegistries;
        return new PolicyEvaluator(trivy, catalog ?? Catalog, registries, exceptions ?? [], work);
    }

    static async Task<Trivy> TrivyAsync() => new(await Repo.TrivyAsync(), Path.Combine(Repo.TempDirectory(), "trivy-cache"));

    static async Task<FixtureScan> RunAsync(string folder)
    {
        var evaluator = new PolicyEvaluator(await TrivyAsync(), Catalog, ["127.0.0.1", "localhost", "ghcr.io"], [], Repo.TempDirectory());
        var raw = await evaluator.CheckAsync("fixtures", folder);
        var checks = raw.Where(c => c.IsProject).Select(c => (c.Id, c.Status, TrivyReport.SplitMessage(c).Resource ?? c.File)).ToList();
        return new FixtureScan { Checks = checks, Raw = raw, Index = ManifestIndex.Build(folder) };
    }

    public bool Failed(string policy, string fixture) =>
        Checks.Any(c => c.Policy == policy && c.Status == "FAIL" && c.Resource.Split('/')[1] == $"{policy.ToLowerInvariant()}-{fixture}");
}
