using ClusterSnek.Images;
using ClusterSnek.Images.Reproducible;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;

// Images: the base image, one image per service of clustersnek.yaml, smoke-tested in podman, pushed and pinned by digest.
partial class Build
{
    [Parameter("Registry to push to, host[:port][/namespace] (e.g. ghcr.io/org); default: an embedded registry on 127.0.0.1")]
    public string? Registry { get; set; }

    [Parameter("User name for --registry")]
    public string? RegistryUsername { get; set; }

    [Parameter("Password or token for --registry"), Secret]
    public string? RegistryPassword { get; set; }

    [Parameter("Port of the embedded registry (default: the remembered one, else clustersnek.yaml's preferredPort, else any free port)",
        Minimum = 1, Maximum = 65535)]
    public int RegistryPort { get; set; }

    [Parameter("Leave the embedded registry running after the run (inspect it with skopeo; the next run reuses it)")]
    public bool KeepRegistry { get; set; }

    [Parameter("Do not smoke-test the images in podman before pushing them")]
    public bool SkipSmoke { get; set; }

    EmbeddedRegistry? embeddedRegistry;
    EmbeddedRegistry EmbeddedRegistry => embeddedRegistry ??= new EmbeddedRegistry(ArtifactsDirectory / "registry");

    RegistryCredentials? registryCredentials;
    RegistryEndpoint? registryEndpoint;
    ImageTools ImageTools => new(Toolchain, ArtifactsDirectory);

    /// <summary>
    /// The registry address images are pushed to; for the embedded one the port is decided without starting it, once per run: before
    /// the embedded registry first starts, a busy preferred port means "any free one", which must stay the same one for the cache
    /// keys, the shared cache and the registry this run starts.
    /// </summary>
    string RegistryAddress => Registry ?? (embeddedAddress ??= $"127.0.0.1:{EmbeddedRegistry.ChoosePort(Manifest.Registry.PreferredPort, RegistryPort > 0 ? RegistryPort : null)}");

    string? embeddedAddress;

    /// <summary>The registry, started (or reused) on first use; later stages call this too when BuildImages was cached.</summary>
    async Task<RegistryEndpoint> EnsureRegistryAsync(CancellationToken ct)
    {
        if (registryEndpoint is not null) return registryEndpoint;
        if (Registry is not null)
        {
            if (RegistryUsername is not null && RegistryPassword is not null)
                registryCredentials = RegistryCredentials.Write(Registry.Split('/')[0], RegistryUsername, RegistryPassword);
            return registryEndpoint = new RegistryEndpoint(Registry, plainHttp: Registry.StartsWith("127.0.0.1", StringComparison.Ordinal)
                || Registry.StartsWith("localhost", StringComparison.Ordinal), registryCredentials?.AuthFile);
        }
        var port = int.Parse(RegistryAddress[(RegistryAddress.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return registryEndpoint = await EmbeddedRegistry.EnsureRunningAsync(await ImageTools.RegistryAsync(ct), port, ct);
    }

    Target BuildImages => _ => _
        .Description("Build the base image and one image per service (dotnet or Dockerfile), smoke-test them in podman, push them, record digests")
        // dotnet publish compiles each service itself: Deploy builds what it ships, not the test projects (Test compiles
        // those). After Compile when both run: a RID-specific publish restore and a solution build share the services' obj/.
        .DependsOn(Restore)
        .After(Compile)
        .Requires(new ServiceFolders(RootDirectory, () => Manifest))
        .Inputs("src/services/**", "src/ClusterSnek.Images/**/*.cs", "src/ClusterSnek.Images/BaseImage/packages.*", "src/ClusterSnek.Tools/ContainerPublish.cs", "clustersnek.yaml")
        .Inputs(() => [RegistryAddress, SkipSmoke.ToString()])
        // What else the images are made with, so an entry shared between machines is only taken for the same SDK and build settings.
        .Inputs("global.json", "Directory.Build.props", "Directory.Packages.props")
        .Inputs(() => [$"runtime={Environment.Version}"])
        .Shareable() // what it records is digests in that registry: another checkout of the same sources takes them (replay-checked below)
        // A replayed record is a claim about the registry: each recorded tag must still point at the recorded digest, and that
        // image must say it is the service, built from the recorded commit, before Scan, Sign or Deploy use it.
        .ChecksReplay(async ct => Run.Get(Sections.Images) is { Count: > 0 } replayed
            ? await ImagePromotionFor(await EnsureRegistryAsync(ct), client => client.CheckAllAsync(replayed, ct))
            : "no images recorded")
        .Executes(async ct =>
        {
            var images = await new ImageBuild(ImageTools).RunAsync(new ImageBuildRequest(RootDirectory, Manifest, await EnsureRegistryAsync(ct),
                ImageSource.FromRun(RootDirectory, Run.Commit), Smoke: !SkipSmoke) { PublishEnvironment = PublishEnvironment() }, ct);
            Run.Set(Sections.Images, images);
            foreach (var image in images) Audit(AuditAction.ImagePush, $"{image.Staging}:{image.Tag}", image.Digest.Value);
            Serilog.Log.Information("{Count} images pushed to staging in {Registry}, tag {Tag} (Promote releases them after Scan)",
                images.Count, registryEndpoint?.ToString(), images.FirstOrDefault()?.Tag);
        });

    Target Promote => _ => _
        .Description("Copy each scanned image from its staging repository to its release repository (same digest, release tag), "
            + "only when the scan gate passed for that digest; Sign, Deploy and Verify use the release reference")
        .DependsOn(Scan)
        .Reads(Sections.Images, Sections.Scan)
        .Executes(async ct =>
        {
            var images = RecordedImages();
            var scan = Run.Get(Sections.Scan);
            foreach (var image in images)
                if (ImagePromotion.ScanVerdict(scan, image) is { } reason)
                    throw new InvalidOperationException($"{image.Service} is not promoted: {reason}. Nothing was promoted; "
                        + "run ./build.sh Scan.");
            await ImagePromotionFor(await EnsureRegistryAsync(ct), async client => { await client.PromoteAsync(images, ct); return true; });
            foreach (var image in images) Audit(AuditAction.ImagePush, image.Tagged, image.Digest.Value);
        });

    /// <summary>A registry client for the endpoint (its credentials), handed to the staging/release check or promotion.</summary>
    async Task<T> ImagePromotionFor<T>(RegistryEndpoint endpoint, Func<ImagePromotion, Task<T>> use)
    {
        using var client = new ClusterSnek.Images.Distribution.RegistryClient(
            ClusterSnek.Images.Distribution.DockerConfigCredentials.Load(), insecureRegistries: endpoint.PlainHttp ? [endpoint.Host] : []);
        return await use(new ImagePromotion(client));
    }

    Target LockBasePackages => _ => _
        .Description("Pin the base image's Debian packages (BaseImage/packages.txt) by version and sha256 in BaseImage/packages.lock, "
            + "resolved with the project's own apt sources and keyring (BaseImage/apt)")
        .Executes(async ct => await BasePackageLocking.UpdateAsync(RootDirectory / "src" / "ClusterSnek.Images" / "BaseImage", ImageTools.Apt(),
            ArtifactsDirectory / "apt", ct));

    Target CheckReproducible => _ => _
        .Description("Build this commit twice, in two fresh clones in two folders, and compare the base's and every service's digest; "
            + "a difference names the layer and the files (the SLSA provenance of signed images says whether they were checked)")
        .Executes(async ct =>
        {
            var commit = Run.Commit ?? throw new InvalidOperationException("CheckReproducible needs a git commit to clone; this folder is not a git checkout.");
            var record = await new ReproducibilityCheck(ImageTools).RunAsync(RootDirectory, commit, await EnsureRegistryAsync(ct),
                ReproducibilityCheck.DefaultDirectory(RootDirectory), ct);
            Run.Set(Sections.Reproducibility, record);
            if (!record.Reproducible)
                throw new InvalidOperationException("Not reproducible: " + string.Join("; ", record.Images.Where(i => !i.Identical)
                    .Select(i => $"{i.Image}: {i.First} vs {i.Second}: {string.Join(" | ", i.Differences)}")));
        });

    /// <summary>The images BuildImages recorded (in this run, or the last one when it is not part of this run); none is an error naming the fix.</summary>
    IReadOnlyList<ImageEntry> RecordedImages() => Run.Get(Sections.Images) is { Count: > 0 } images ? images
        : throw new InvalidOperationException("No images are recorded: run BuildImages first (./build.sh BuildImages), or a target that depends on it.");

    /// <summary>The SDK reads registry credentials from these variables when it pulls the base from --registry.</summary>
    Dictionary<string, string?> PublishEnvironment() => registryCredentials is null ? [] : new()
    {
        ["DOTNET_CONTAINER_REGISTRY_UNAME"] = registryCredentials.Username, ["DOTNET_CONTAINER_REGISTRY_PWORD"] = registryCredentials.Password,
    };

    protected override void OnRunFinished()
    {
        SettleInterruptedDeploy(); // first: a rollback still reads nothing from the registry (podman keeps the images), but say it before it stops
        registryCredentials?.Dispose();
        if (Registry is not null) return;
        if (!KeepRegistry)
        {
            EmbeddedRegistry.Stop();
            return;
        }
        // --keep-registry promises a registry to inspect, also when BuildImages was cached and never started it.
        if (registryEndpoint is null && EmbeddedRegistry.ReadState() is not null)
        {
            try { EnsureRegistryAsync(CancellationToken.None).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is InvalidOperationException or ClusterSnek.Tools.ToolUnavailableException)
            {
                Serilog.Log.Warning("--keep-registry: the embedded registry could not be started: {Reason}", e.Message);
                return;
            }
        }
        // The closing line says what is true: a registry that died during the run is not "left running".
        if (EmbeddedRegistry.DiedPid is { } pid)
            Serilog.Log.Warning("The embedded registry (pid {Pid}) stopped during the run, so none is left running (--keep-registry); "
                + "the next run starts it again", pid);
        else if (registryEndpoint is not null) Serilog.Log.Information("Embedded registry left running at {Registry} (--keep-registry)", registryEndpoint);
    }

    /// <summary>A target that failed because the embedded registry died under it says so, instead of skopeo's "unexpected EOF".</summary>
    protected override string? ExplainFailure(string target, Exception error) =>
        (Registry is null ? embeddedRegistry?.StoppedDuring(target) : null) ?? EntryPointStoppedDuring(target);
}
