using System.Security.Cryptography;
using System.Text;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// One good release of the real stack, shared by the whole suite of broken releases: the four real service images
/// (<see cref="ServiceImages"/>), the real umbrella chart rendered by helm exactly as Deploy renders it (the env's values,
/// then the fault's --values file, then the run's values), deployed and verified once on the podman local runtime as
/// revision 1. Each broken release is deployed over it, fails, and is rolled back to it.
/// </summary>
public sealed class BrokenReleaseFixture : IAsyncLifetime
{
    public StackManifest Manifest { get; } = ManifestReader.Load(Repo.Root / StackManifest.FileName);
    public HttpClient Http { get; } = new();
    public LocalDeployment Deployment { get; private set; } = null!;
    public IReadOnlyList<PinnedImage> Images => images.Images;
    public IReadOnlyList<ServiceEndpoint> Endpoints { get; private set; } = [];
    public ChainProbe? Chain { get; private set; }
    public LocalPorts Ports { get; private set; } = null!;

    /// <summary>How long a broken release may keep Verify waiting (the fail-fast ends a steady failure long before).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    ServiceImages images = null!;
    Helm helm = null!;
    string chart = null!;
    string artifacts = null!;
    int faults;

    public async ValueTask InitializeAsync()
    {
        var toolchain = Toolchain.ForRoot(Repo.Root);
        await toolchain.ResolveAsync(ToolPins.Catatonit);
        await toolchain.ResolveAsync(ToolPins.Runc);
        images = await ServiceImages.EnsureAsync(Manifest, toolchain, CancellationToken.None);
        helm = new Helm(await Repo.HelmAsync());
        chart = await Repo.BuiltChartAsync();
        // Own podman storage per checkout: pod names are the chart's (frontend, backend, …), not unique per test run.
        var checkout = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Repo.Root.Value)))[..8];
        var podman = new Podman(await toolchain.ResolveAsync(ToolPins.Podman), PodmanStorage.Under(Path.Combine(TestImage.Cache, $"broken-{checkout}", "podman")));
        artifacts = Directory.CreateDirectory(Path.Combine(TestImage.Cache, $"broken-{checkout}", "artifacts-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        Ports = LocalPorts.Resolve(Path.Combine(artifacts, "releases", "faults", "ports.json"), Manifest.Services.Select(s => s.Name).ToList(), null, artifacts);
        Endpoints = DeployInputs.Endpoints(Manifest, Ports);
        Chain = DeployInputs.Chain(Manifest, ChainProbe.DefaultPath);
        var environment = Manifest.Environment("dev");
        Deployment = new LocalDeployment(podman, artifacts, new LocalTarget("faults", environment.Namespace, Manifest.Chart.Release,
            Manifest.Services.Select(s => new ServiceUrl(s.Name, $"http://127.0.0.1:{Ports[s.Name]}")).ToList(), Ports), Http);

        await Deployment.DeployAsync(await RenderAsync(null, Images), Images, Verified(Images), rollback: true);
        var good = await Deployment.VerifyAsync(Images, Endpoints, Chain, Deadline, rollback: false);
        if (!good.Passed) throw new InvalidOperationException("The good release of the suite does not verify: " + good.Summary);
    }

    /// <summary>helm template of the real chart: the dev values, the fault (a --values file), and the run's values last (as Deploy layers them).</summary>
    public async Task<RenderedManifests> RenderAsync(string? faultValues, IReadOnlyList<PinnedImage> release)
    {
        var directory = Directory.CreateDirectory(Path.Combine(artifacts, "values", (++faults).ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        var files = new List<string> { Path.Combine(chart, "values-dev.yaml") };
        if (faultValues is not null)
        {
            files.Add(Path.Combine(directory, "bad.yaml"));
            await File.WriteAllTextAsync(files[^1], faultValues);
        }
        files.Add(DeployInputs.WriteRunValues(Path.Combine(directory, "run-values.yaml"), release, localRuntime: true, Ports));
        var yaml = await helm.TemplateAsync(s => s with
        {
            Release = Manifest.Chart.Release, Chart = chart, Namespace = Manifest.Environment("dev").Namespace, ValuesFiles = files,
        });
        return RenderedManifests.Parse(yaml, "helm template of the real chart");
    }

    /// <summary>
    /// Deploys the release with <paramref name="faultValues"/> layered in (and/or other images), lets Deploy or Verify fail,
    /// and returns the failure: its diagnosis, and the record of the rollback.
    /// </summary>
    public async Task<ReleaseFailedException> BreakAsync(string? faultValues, IReadOnlyList<PinnedImage>? release = null, CancellationToken cancellation = default)
    {
        release ??= Images;
        var rendered = await RenderAsync(faultValues, release);
        try
        {
            await Deployment.DeployAsync(rendered, release, Verified(release), rollback: true, cancellation);
            await Deployment.VerifyAsync(release, Endpoints, Chain, Deadline, rollback: true, cancellation);
        }
        catch (ReleaseFailedException failure) { return failure; }
        throw new Xunit.Sdk.XunitException("The broken release deployed and verified: the fault did not break it.");
    }

    /// <summary>The good revision is current and verifies again (every check, the chain included).</summary>
    public async Task<VerificationRecord> VerifyGoodRevisionAsync(CancellationToken cancellation = default)
    {
        var report = await Deployment.VerifyAsync(Images, Endpoints, Chain, Deadline, rollback: false, cancellation);
        return report;
    }

    public static IReadOnlyList<ImageVerdict> Verified(IReadOnlyList<PinnedImage> images) =>
        images.Select(i => new ImageVerdict(i.Service, i.Digest, true, [])).ToList();

    public async ValueTask DisposeAsync()
    {
        try { await Deployment.Runtime.DownAsync(); }
        finally
        {
            await images.DisposeAsync();
            Http.Dispose();
            Directory.Delete(artifacts, recursive: true);
        }
    }
}

[CollectionDefinition("broken releases")]
public sealed class BrokenReleaseCollection : ICollectionFixture<BrokenReleaseFixture>;
