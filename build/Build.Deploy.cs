using ClusterSnek.Kube;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using ClusterSnek.Stack;
using ClusterSnek.Tools;
using Serilog;

// Deploy → Verify (triggered), Rollback and Down standalone. Logic: src/ClusterSnek.Kube (docs/deploy.md).
partial class Build
{
    [Parameter("kubeconfig context to deploy to; without it Deploy runs the release on the podman local runtime")]
    public string? KubeContext { get; set; }

    [Parameter("Leave a release that fails Deploy or Verify as it is instead of rolling back")]
    public bool NoRollback { get; set; }

    [Parameter("Seconds Deploy and Verify wait for the release to be ready", Minimum = 1)]
    public int Timeout { get; set; } = 120;

    [Parameter("Revision Rollback returns to (default: the previous good one)", Minimum = 1)]
    public int Revision { get; set; }

    [Parameter("Path of the end-to-end call on the entry service (frontend → backend → ai-agent → mcp-server)")]
    public string ChainPath { get; set; } = ChainProbe.DefaultPath;

    [Parameter("OpenAI-compatible endpoint (or kubectl-ai) for an optional AI reading of a failed release; off by default")]
    public string? AiEndpoint { get; set; }

    [Parameter("API key for --ai-endpoint"), Secret]
    public string? AiKey { get; set; }

    [Parameter("Model asked at --ai-endpoint")]
    public string AiModel { get; set; } = "gpt-4o-mini";

    [Parameter("First host port of this checkout's release on the local runtime (one port per service); default: a free block, chosen once and remembered in artifacts/releases/<env>/ports.json")]
    public int PortBase { get; set; }

    [Parameter("Address the local runtime's entry point listens on: 127.0.0.1 (this machine only), or e.g. 0.0.0.0 for every interface")]
    public string ListenAddress { get; set; } = "127.0.0.1";

    LocalPorts? localPorts;

    /// <summary>This checkout's host ports on the local runtime (null on a cluster: there each service keeps its own port).</summary>
    LocalPorts? LocalPorts => KubeContext is not null ? null : localPorts ??= ClusterSnek.Kube.LocalPorts.Resolve(ReleaseDirectory / "ports.json",
        Manifest.Services.Select(s => s.Name).ToList(), PortBase > 0 ? PortBase : null, ArtifactsDirectory);

    EnvironmentSpec DeployEnvironment => Manifest.Environment(Env);
    AbsolutePath ReleaseDirectory => ArtifactsDirectory / "releases" / Env;
    IReadOnlyList<PinnedImage> ReleaseImages => RecordedImages().Select(i => i.Pinned).ToList();
    static readonly HttpClient http = new();

    Target Deploy => _ => _
        .Description("Install or upgrade the release (cluster with --kube-context, else the podman local runtime); only verified images start")
        .DependsOn(Sign, PolicyTest, VerifySignatures)
        .Reads(Sections.Images, Sections.SignatureVerification)
        .Requires(new KubeContextRequirement(() => KubeContext))
        .Requires(new ClusterSnek.Policies.PolicyInputs(() => UserValuesFiles, () => null))
        .Triggers(Verify)
        .Executes(async ct =>
        {
            var images = ReleaseImages;
            var verdicts = Run.Get(Sections.SignatureVerification)?.Images ?? [];
            // Only this run's verdicts: a carried one is text in artifacts/pipeline.json, which anyone who runs the build can edit.
            if (Run.CarriedFrom(Sections.SignatureVerification) is { } carried)
                throw new UnverifiedImageException($"Refusing to deploy, nothing was started: the signature verdicts are carried from run {carried.Run}, " +
                    "not made in this run; run Deploy with VerifySignatures (do not --skip it).");
            // The gate runs before rendering or any runtime call: unsigned or unverified images never start.
            SignatureGate.Require(images, verdicts);
            var rendered = await RenderReleaseAsync(images, ct);
            // Hooks, Jobs, init containers: every document, before any runtime call.
            var external = new ExternalImages(Manifest.TrustedImages, Run.Get(Sections.SignatureVerification)?.External ?? []);
            SignatureGate.RequireEveryContainer(rendered, images, external);
            var subject = $"{Manifest.Chart.Release} ({Env}, {KubeContext ?? "local runtime"})";
            DeploymentRecord deployment;
            try
            {
                if (KubeContext is null)
                {
                    await EnsureRegistryAsync(ct); // the local runtime pulls this run's digests from it
                    deployment = await (await LocalAsync(ct, external)).DeployAsync(rendered, images, verdicts, rollback: !NoRollback, ct);
                }
                else deployment = await (await ClusterAsync(ct, external)).DeployAsync(rendered, images, verdicts, Env, ServiceUrls(), ct);
            }
            catch (Exception e)
            {
                if (e is ReleaseFailedException { Deployment: { } failed })
                {
                    Run.Set(Sections.Deployment, failed);
                    if (failed.Rollback is { } rollback) Audit(AuditAction.Rollback, $"{subject}: {rollback.Summary}", null, rollback.Restored ? AuditOutcome.Succeeded : AuditOutcome.Failed);
                }
                Audit(AuditAction.Deploy, subject, null, AuditOutcome.Failed);
                if (e is ReleaseFailedException failure) await ReadWithAiAsync(failure, ct);
                throw;
            }
            Run.Set(Sections.Deployment, deployment);
            if (deployment.Rollout is { } rollout)
                Run.Note(!deployment.Changed ? $"nothing changed: revision {deployment.Revision} keeps running"
                    : $"restarted {Names(rollout.Started)}; kept running {Names(rollout.Kept)}");
            Audit(AuditAction.Deploy, subject, string.Join(",", images.Select(i => i.Digest.Value)), AuditOutcome.Succeeded);
            foreach (var url in deployment.Urls) Log.Information("{Service}: {Url}", url.Service, url.Url);
        });

    Target Rollback => _ => _
        .Description("Return the release to the previous good revision (or --revision N)")
        .Requires(new KubeContextRequirement(() => KubeContext))
        .Executes(async ct =>
        {
            int? revision = Revision > 0 ? Revision : null;
            int from, to;
            if (KubeContext is null)
            {
                var local = await LocalAsync(ct);
                from = local.Runtime.History.Current?.Revision ?? 0;
                to = (await local.Runtime.RollbackAsync(revision, "requested", ct)).Revision;
            }
            else
            {
                var cluster = await ClusterAsync(ct);
                from = await cluster.Release.CurrentRevisionAsync(ct);
                to = await cluster.Release.RollbackAsync(revision, ct);
            }
            var summary = $"rolled back from revision {from} to {(revision is null ? $"the previous good revision ({to})" : $"revision {to}")} on request";
            Run.Set(Sections.Rollback, new RollbackRecord(from, to, "requested (./build.sh Rollback)", true, null, summary, DateTimeOffset.UtcNow));
            Audit(AuditAction.Rollback, $"{Manifest.Chart.Release} ({Env}): {summary}", null);
        });

    Target Down => _ => _
        .Description("Remove what Deploy started on the local runtime (podman kube down of the current revision)")
        .Executes(async ct =>
        {
            if (KubeContext is not null) throw new UsageException("Down removes the local runtime's release; on a cluster run: helm uninstall " + Manifest.Chart.Release + " -n " + DeployEnvironment.Namespace);
            await (await LocalAsync(ct)).Runtime.DownAsync(ct);
        });

    static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    /// <summary>Where each service of the release answers: its own port on the local runtime, its Service on a cluster.</summary>
    IReadOnlyList<ServiceUrl> ServiceUrls() => Manifest.Services.Select(s => new ServiceUrl(s.Name, LocalPorts is { } ports
        ? $"http://127.0.0.1:{ports[s.Name]}" : $"http://{s.Name}.{DeployEnvironment.Namespace}.svc:{s.Port}")).ToList();

    /// <summary>
    /// helm template of the umbrella chart folder with the env's values and this run's digests. PackageCharts (via PolicyTest)
    /// linted and dependency-built the same folder in this chain, and the cluster path upgrades from it too.
    /// </summary>
    async Task<RenderedManifests> RenderReleaseAsync(IReadOnlyList<PinnedImage> images, CancellationToken ct)
    {
        var chart = RootDirectory / Manifest.Chart.Path;
        if (!File.Exists(chart / "Chart.yaml"))
            throw new InvalidOperationException($"{Manifest.Chart.Path}/Chart.yaml not found: clustersnek.yaml chart.path must point at the umbrella chart.");
        IReadOnlyList<string>? apiServer = null;
        if (KubeContext is not null)
        {
            apiServer = await KubeApiServer.CidrsAsync(await ClusterRelease.ConnectAsync(KubeContext, cancellation: ct), ct);
            Log.Information("Kubernetes API server at {Cidrs}: the only API egress apps with rbac.enabled get", string.Join(", ", apiServer));
        }
        var runValues = DeployInputs.WriteRunValues(ReleaseDirectory / "run-values.yaml", images, localRuntime: KubeContext is null, LocalPorts, apiServer);
        var helm = new Helm(await Toolchain.ResolveAsync(ToolPins.Helm, ct));
        string yaml;
        try
        {
            yaml = await helm.TemplateAsync(s => s with
            {
                Release = Manifest.Chart.Release, Chart = chart, Namespace = DeployEnvironment.Namespace,
                // The run's digests come last: no values file can swap an image for one that was not verified.
                ValuesFiles = [RootDirectory / DeployEnvironment.ValuesFile, .. UserValuesFiles, runValues],
            }, ct);
        }
        catch (ToolFailedException e)
        {
            var reason = ClusterSnek.Charts.HelmFailure.Describe(e.Result);
            throw new ClusterSnek.Charts.ChartInputException($"helm template {Manifest.Chart.Path}: {reason}");
        }
        return RenderedManifests.Parse(yaml, $"helm template {Manifest.Chart.Path}");
    }

    async Task<LocalDeployment> LocalAsync(CancellationToken ct, ExternalImages? external = null)
    {
        await Toolchain.ResolveAsync(ToolPins.Runc, ct);
        await Toolchain.ResolveAsync(ToolPins.Catatonit, ct);
        var podman = new Podman(await Toolchain.ResolveAsync(ToolPins.Podman, ct), PodmanStorage.Under(ArtifactsDirectory / "podman"));
        var target = new LocalTarget(Env, DeployEnvironment.Namespace, Manifest.Chart.Release, ServiceUrls(), LocalPorts) { ListenAddress = ListenAddress };
        var local = new LocalDeployment(podman, ArtifactsDirectory, target, http) { External = external ?? ExternalImages.None };
        local.Runtime.ReadyTimeout = TimeSpan.FromSeconds(Timeout);
        return localDeployment = local;
    }

    LocalDeployment? localDeployment;

    /// <summary>A Deploy or Verify that failed because the release's entry point died under it says so.</summary>
    string? EntryPointStoppedDuring(string target) => localDeployment?.Runtime.Entry.StoppedDuring(target);

    /// <summary>
    /// A run cancelled after Deploy switched to the new revision but before Verify started (Verify did not run: "cancelled")
    /// does not leave that unverified revision serving: it is rolled back here, before the process exits.
    /// </summary>
    void SettleInterruptedDeploy()
    {
        if (KubeContext is not null || NoRollback || localDeployment is null) return;
        var deploy = Run.Targets.FirstOrDefault(t => t.Name == nameof(Deploy));
        var verify = Run.Targets.FirstOrDefault(t => t.Name == nameof(Verify));
        if (deploy?.Status != TargetStatus.Succeeded || verify is not { Status: TargetStatus.NotRun, Reason: "cancelled" }) return;
        if (Run.CarriedFrom(Sections.Deployment) is not null || Run.Get(Sections.Deployment) is not { Changed: true } deployed) return;
        try
        {
            var settled = localDeployment.SettleUnverifiedAsync(deployed.Revision, "the gap between Deploy and Verify").GetAwaiter().GetResult();
            if (settled is not null) Run.Set(Sections.Deployment, settled);
        }
        catch (Exception e) when (e is InvalidOperationException or ToolFailedException)
        {
            Log.Error("Revision {Revision} was not verified and could not be rolled back: {Reason}; the next Deploy replaces it", deployed.Revision, e.Message);
        }
    }

    async Task<ClusterDeployment> ClusterAsync(CancellationToken ct, ExternalImages? external = null)
    {
        var client = await ClusterRelease.ConnectAsync(KubeContext, cancellation: ct);
        var helm = new HelmRelease(await Toolchain.ResolveAsync(ToolPins.Helm, ct));
        var runValues = ReleaseDirectory / "run-values.yaml";
        return new ClusterDeployment(helm, new ClusterTarget(KubeContext, DeployEnvironment.Namespace, Manifest.Chart.Release, RootDirectory / Manifest.Chart.Path,
            [RootDirectory / DeployEnvironment.ValuesFile, .. UserValuesFiles, .. File.Exists(runValues) ? new[] { (string)runValues } : []],
            new Dictionary<string, string>(), TimeSpan.FromSeconds(Timeout)), client) { External = external ?? ExternalImages.None };
    }
}
