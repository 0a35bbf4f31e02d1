using System.Text.Json.Nodes;
using ClusterSnek.Tools;
using k8s;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>Where the cluster release goes: kube context, namespace, release, chart, values and limits.</summary>
public sealed record ClusterTarget(string? KubeContext, string Namespace, string Release, string Chart, IReadOnlyList<string> ValuesFiles,
    IReadOnlyDictionary<string, string> SetValues, TimeSpan Timeout, int HistoryMax = 10);

/// <summary>What helm did: revision, chart version, whether anything changed, the failure when it refused.</summary>
public sealed record ClusterDeployOutcome(int Revision, string? ChartVersion, bool Changed, string? Failure, TimeSpan Duration);

/// <summary>A cluster that cannot be used (no context, unreachable); raised before anything changes.</summary>
public sealed class ClusterUnavailableException(string message) : Exception(message);

/// <summary>
/// The cluster path: checks the kube context and that the API server answers before touching anything, then
/// <c>helm upgrade --install</c> with rollback-on-failure, skipped when the deployed manifests already equal the desired ones.
/// </summary>
public sealed class ClusterRelease(HelmRelease helm, ClusterTarget target)
{
    public ClusterTarget Target { get; } = target;

    /// <summary>Kubeconfig context present and API server reachable, else one clear error; nothing is changed either way.</summary>
    public static async Task<IKubernetes> ConnectAsync(string? kubeContext, string? kubeconfig = null, CancellationToken cancellation = default)
    {
        var file = kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator)[0]
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(file))
            throw new ClusterUnavailableException($"--kube-context {kubeContext}: no kubeconfig at {file}. Set KUBECONFIG, or drop --kube-context to use the local runtime.");
        var config = await KubernetesClientConfiguration.LoadKubeConfigAsync(new FileInfo(file));
        if (kubeContext is not null && config.Contexts?.Any(c => c.Name == kubeContext) != true)
            throw new ClusterUnavailableException($"--kube-context {kubeContext}: no such context in {file}; defined: {string.Join(", ", config.Contexts?.Select(c => c.Name) ?? [])}.");
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(config, kubeContext));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            var version = await client.Version.GetCodeAsync(timeout.Token);
            Log.Information("Cluster {Context}: Kubernetes {Version}", kubeContext ?? config.CurrentContext, version.GitVersion);
            return client;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException && !cancellation.IsCancellationRequested)
        {
            client.Dispose();
            throw new ClusterUnavailableException($"--kube-context {kubeContext ?? config.CurrentContext}: the API server does not answer ({e.Message}). Start the cluster or fix the context; nothing was changed.");
        }
    }

    /// <summary>Upgrades (or installs) the release; when the deployed manifests equal <paramref name="desired"/>, creates no revision.</summary>
    public async Task<ClusterDeployOutcome> DeployAsync(RenderedManifests desired, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = await StatusAsync(cancellation);
        if (Recovery(before?.State) is { } recovery)
        {
            // A helm killed mid-operation (kill -9, a lost runner) leaves the release pending; the next upgrade would be refused.
            if (recovery.Length > 0) throw new InvalidOperationException(recovery);
            Log.Warning("Release {Release} is {State} (an earlier helm upgrade or rollback was killed): rolling back to the last deployed revision first",
                Target.Release, before!.State);
            await RollbackAsync(null, cancellation);
        }
        if (await StatusAsync(cancellation) is { } status && status.State == "deployed")
        {
            var deployed = RenderedManifests.Parse(await helm.GetManifestAsync(Target.Release, Target.Namespace, Target.KubeContext, cancellation), "helm get manifest");
            if (deployed.ContentDigest() == desired.ContentDigest())
            {
                Log.Information("Release {Release} revision {Revision} already applies these manifests; no upgrade", Target.Release, status.Revision);
                return new ClusterDeployOutcome(status.Revision, status.ChartVersion, Changed: false, null, clock.Elapsed);
            }
        }
        ToolResult result;
        try
        {
            result = await helm.UpgradeInstallAsync(new HelmUpgradeSettings
            {
                Release = Target.Release, Chart = Target.Chart, Namespace = Target.Namespace, KubeContext = Target.KubeContext,
                ValuesFiles = Target.ValuesFiles, SetValues = Target.SetValues, Timeout = Target.Timeout, HistoryMax = Target.HistoryMax,
            }, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            var now = await StatusAsync(CancellationToken.None);
            return new ClusterDeployOutcome(now?.Revision ?? 0, now?.ChartVersion, Changed: true,
                $"interrupted (Ctrl-C or SIGTERM): helm cancelled the upgrade; the release is {now?.State ?? "not installed"} at revision {now?.Revision ?? 0}",
                clock.Elapsed);
        }
        var after = await StatusAsync(cancellation);
        return new ClusterDeployOutcome(after?.Revision ?? 0, after?.ChartVersion, Changed: true,
            result.Succeeded ? null : $"helm upgrade failed (exit {result.ExitCode}; helm rolled back): {result.LastErrorLine}", clock.Elapsed);
    }

    public async Task<int> RollbackAsync(int? revision, CancellationToken cancellation = default)
    {
        var result = await helm.RollbackAsync(Target.Release, Target.Namespace, Target.KubeContext, revision, Target.Timeout, cancellation);
        if (!result.Succeeded) throw new InvalidOperationException($"helm rollback {Target.Release} failed (exit {result.ExitCode}): {result.LastErrorLine}");
        return (await StatusAsync(cancellation))?.Revision ?? 0;
    }

    /// <summary>The deployed revision number (0 when the release does not exist).</summary>
    public async Task<int> CurrentRevisionAsync(CancellationToken cancellation = default) => (await StatusAsync(cancellation))?.Revision ?? 0;

    public Task<ToolResult> TestAsync(CancellationToken cancellation = default) =>
        helm.TestAsync(Target.Release, Target.Namespace, Target.KubeContext, Target.Timeout, cancellation);

    sealed record Status(int Revision, string? State, string? ChartVersion);

    /// <summary>
    /// What a release in <paramref name="state"/> (helm's info.status) needs before an upgrade: null when nothing; "" when a
    /// rollback to the last deployed revision (pending-upgrade, pending-rollback: a helm killed mid-operation); otherwise the
    /// one-line reason the upgrade cannot go on by itself (pending-install: nothing was ever deployed to return to).
    /// </summary>
    internal string? Recovery(string? state) => state switch
    {
        "pending-upgrade" or "pending-rollback" => "",
        "pending-install" => $"Release {Target.Release} in {Target.Namespace} is pending-install: an earlier install was killed before it finished and " +
            $"there is no deployed revision to return to. Remove it (helm uninstall {Target.Release} -n {Target.Namespace}) and run Deploy again.",
        _ => null,
    };

    async Task<Status?> StatusAsync(CancellationToken cancellation) =>
        await helm.StatusJsonAsync(Target.Release, Target.Namespace, Target.KubeContext, cancellation) is { } json ? ParseStatus(json) : null;

    /// <summary>Reads <c>helm status -o json</c> (a Helm release object: version, info.status, chart.metadata.version).</summary>
    static Status ParseStatus(string json)
    {
        var node = JsonNode.Parse(json)!;
        return new Status((int)(node["version"]?.GetValue<long>() ?? 0), node["info"]?["status"]?.GetValue<string>(),
            node["chart"]?["metadata"]?["version"]?.GetValue<string>());
    }
}
