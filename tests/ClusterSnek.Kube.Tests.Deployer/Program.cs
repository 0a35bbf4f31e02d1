using ClusterSnek.Kube;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

/// <summary>
/// The Deploy → Verify path of the local runtime as its own process, through the real engine (Ctrl-C, SIGTERM, exit 130,
/// pipeline.json), so the interruption tests can signal it the way a terminal does. CLUSTERSNEK_ROOT names its checkout;
/// the release, its images and the podman storage come as parameters.
/// </summary>
sealed class DeployerBuild : PipelineBuild
{
    public static int Main(string[] args) => Execute<DeployerBuild>(args);

    [Parameter("Rendered release (helm template output)")] public string Release { get; set; } = "";
    [Parameter("Images as service=repository@sha256:digest, comma-separated")] public string Images { get; set; } = "";
    [Parameter("Folder whose .nuke/tools and podman storage the tests share")] public string Cache { get; set; } = "";
    [Parameter("Public port of each service, service=port, comma-separated")] public string Ports { get; set; } = "";

    LocalDeployment? deployment;

    IReadOnlyList<PinnedImage> Pinned => Images.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i =>
    {
        var (service, pinned) = (i[..i.IndexOf('=')], i[(i.IndexOf('=') + 1)..]);
        return new PinnedImage(service, pinned[..pinned.IndexOf('@')], new Digest(pinned[(pinned.IndexOf('@') + 1)..]));
    }).ToList();

    async Task<LocalDeployment> LocalAsync(CancellationToken ct)
    {
        if (deployment is not null) return deployment;
        var toolchain = Toolchain.ForRoot(new AbsolutePath(Cache));
        await toolchain.ResolveAsync(ToolPins.Catatonit, ct);
        await toolchain.ResolveAsync(ToolPins.Runc, ct);
        var podman = new Podman(await toolchain.ResolveAsync(ToolPins.Podman, ct), PodmanStorage.Under(Path.Combine(Cache, "podman")));
        deployment = new LocalDeployment(podman, ArtifactsDirectory, new LocalTarget("dev", "clustersnek-dev", "clustersnek", []), new HttpClient());
        deployment.Runtime.ReadyTimeout = TimeSpan.FromSeconds(20);
        return deployment;
    }

    public Target Deploy => _ => _
        .Triggers(Verify)
        .Executes(async ct =>
        {
            var images = Pinned;
            var rendered = RenderedManifests.Parse(await File.ReadAllTextAsync(Release, ct), Release);
            try
            {
                var record = await (await LocalAsync(ct)).DeployAsync(rendered, images, images.Select(i => new ImageVerdict(i.Service, i.Digest, true, [])).ToList(),
                    rollback: true, ct);
                Run.Set(Sections.Deployment, record);
            }
            catch (ReleaseFailedException e) when (e.Deployment is not null)
            {
                Run.Set(Sections.Deployment, e.Deployment);
                throw;
            }
        });

    public Target Verify => _ => _
        .After(Deploy)
        .Executes(async ct =>
        {
            var local = await LocalAsync(ct);
            var endpoints = Ports.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => new ServiceEndpoint(p[..p.IndexOf('=')], int.Parse(p[(p.IndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture), "/readyz"))
                .ToList();
            try
            {
                Run.Set(Sections.Verification, await local.VerifyAsync(local.Runtime.History.Current!.Images, endpoints, null, TimeSpan.FromSeconds(20),
                    rollback: true, ct));
            }
            catch (ReleaseFailedException e) when (e.Verification is not null)
            {
                Run.Set(Sections.Verification, e.Verification);
                throw;
            }
        });
}
