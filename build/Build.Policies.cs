using ClusterSnek.Charts;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Policies;
using ClusterSnek.Tools;

partial class Build
{
    [Parameter("Extra values file layered over the environment's for PolicyTest and Deploy (repeatable): the release checked is the release deployed")]
    public string[]? Values { get; set; }

    [Parameter("Check these Kubernetes manifests (a file or folder) with the project's policies instead of the chart", MustExist = true)]
    public AbsolutePath? Manifests { get; set; }

    IReadOnlyList<string> UserValuesFiles => (Values ?? []).Select(v => Path.GetFullPath(v, RootDirectory)).ToList();

    /// <summary>
    /// Every environment, unless --env (or CLUSTERSNEK_ENV) narrows it. The "Env" in .nuke/parameters.json is the default
    /// environment for deploying, so it does not narrow a policy check.
    /// </summary>
    IReadOnlyList<PolicyEnvironment> PolicyEnvironments =>
        Manifest.Environments
            .Where(e => ParameterSources.GetValueOrDefault("Env") is not (ParameterSource.CommandLine or ParameterSource.Environment)
                        || e.Name.Equals(Env, StringComparison.OrdinalIgnoreCase))
            .Select(e => new PolicyEnvironment(e.Name, e.Namespace, RootDirectory / e.ValuesFile)).ToList();

    Target PolicyTest => _ => _
        .Description("Render the chart per environment with this run's image digests; check it with trivy's built-in checks and policies/ (Rego)")
        .DependsOn(PackageCharts)
        .Requires(new PolicyInputs(() => UserValuesFiles, () => Manifests?.Value))
        .Reads(Sections.Images)
        // Cached on what it checks: chart sources and env values, --values, policies/ (Rego, tests, exceptions), the digests it
        // renders with, the tools, and which exceptions have expired by today (an expired one fails the check).
        .Inputs("charts/**/*.yaml", "charts/**/*.json", "charts/**/*.tpl", "charts/**/.helmignore", "clustersnek.yaml", "policies/**",
            "src/ClusterSnek.Policies/**/*.cs", "src/ClusterSnek.Charts/**/*.cs")
        .Inputs(() => [.. ReleaseDigests(), .. PolicyEnvironments.Select(e => $"{e.Name}={FileInputs.Digest(e.ValuesFile)}"),
            .. UserValuesFiles.Select(f => $"values={FileInputs.Digest(f)}"), Manifests is null ? null : $"manifests={FileInputs.Digest(Manifests)}",
            $"trivy={ToolPins.Trivy.Version},{TrivyPath}", $"helm={ToolPins.Helm.Version},{HelmPath}",
            .. FileInputs.ExpiredDates(RootDirectory / PolicyExceptionsFile.DefaultPath, DateOnly.FromDateTime(DateTime.UtcNow))])
        .Outputs("artifacts/policy") // the per-environment JSON, SARIF and checked manifests: gone → checked again
        .Shareable()
        .Executes(async ct =>
        {
            var helm = new Helm(await Toolchain.ResolveAsync(ToolPins.Helm, ct));
            var trivy = new Trivy(await Toolchain.ResolveAsync(ToolPins.Trivy, ct), TrivyCache);
            var catalog = PolicyCatalog.Load(RootDirectory / Manifest.Policies.Directory);
            var exceptions = PolicyExceptionsFile.Load(RootDirectory / PolicyExceptionsFile.DefaultPath, DateOnly.FromDateTime(DateTime.UtcNow));
            var output = ArtifactsDirectory / "policy";
            var evaluator = new PolicyEvaluator(trivy, catalog, Manifest.Policies.AllowedRegistries, exceptions, output / "work")
            {
                Reuse = new PolicyReuse(ArtifactsDirectory / "policy-reuse", $"trivy={ToolPins.Trivy.Version},{TrivyPath}", Seal),
            };
            var results = await new PolicyGate(new ChartRenderer(helm), evaluator).RunAsync(new PolicyTestRequest(
                RootDirectory / Manifest.Chart.Path, Manifest.Chart.Release, PolicyEnvironments,
                UserValuesFiles, Manifests?.Value,
                RunImages.Images(Run.Get(Sections.Images), Manifest.Services.Select(s => s.Name)), null, output),
                summaries => Run.Set(Sections.Policies, summaries), ct);
            foreach (var used in results.SelectMany(r => r.ExceptionsUsed.Select(e => $"{r.Environment}: {e}")))
                Audit(AuditAction.ExceptionUsed, used, null);
        });
}
