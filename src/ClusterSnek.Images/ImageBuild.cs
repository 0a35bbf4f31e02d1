using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>Everything BuildImages needs besides the running registry.</summary>
public sealed record ImageBuildRequest(AbsolutePath Root, StackManifest Manifest, RegistryEndpoint Registry, SourceInfo Source, bool Smoke)
{
    /// <summary>Where archives and the base's rootfs are made; artifacts/images by default (tests use their own).</summary>
    public AbsolutePath WorkDirectory { get; init; } = Root / "artifacts" / "images";

    /// <summary>Extra environment for dotnet publish, e.g. DOTNET_CONTAINER_REGISTRY_UNAME/PWORD to pull the base from a private registry.</summary>
    public IReadOnlyDictionary<string, string?> PublishEnvironment { get; init; } = new Dictionary<string, string?>();
    public AbsolutePath BasePackagesFile => BaseImageFolder / "packages.txt";
    public AbsolutePath BaseLockFile => BaseImageFolder / PackageLock.FileName;
    public AbsolutePath BaseImageFolder => Root / "src" / "ClusterSnek.Images" / "BaseImage";

    /// <summary>Where the locked .deb files are cached (by sha256); shared by checkouts unless a test gives its own.</summary>
    public AbsolutePath? DebCache { get; init; }

    /// <summary>The lock, checked against packages.txt: a package added or removed without ./build.sh LockBasePackages is an error.</summary>
    public PackageLock ReadBaseLock()
    {
        var packageLock = PackageLock.Read(BaseLockFile);
        packageLock.CheckCovers(BaseImageBuilder.ReadPackageList(BasePackagesFile), BaseLockFile);
        return packageLock;
    }
}

/// <summary>
/// The image stage in order, so a failure leaves nothing half-pushed: base image, every service built to a local archive
/// (in parallel), smoke tests, a push preflight, then the pushes; digests and sizes read back from the registry.
/// </summary>
public sealed class ImageBuild(ImageTools tools)
{
    /// <summary>Checks clustersnek.yaml's services against the disk before anything runs.</summary>
    public static void Validate(AbsolutePath root, StackManifest manifest)
    {
        foreach (var service in manifest.Services)
        {
            var folder = root / service.Project;
            if (!Directory.Exists(folder))
                throw new UsageException($"{StackManifest.FileName}: service '{service.Name}' has project '{service.Project}', which does not exist. Fix the path or create the service.");
            if (!File.Exists(folder / "Dockerfile") && Directory.GetFiles(folder, "*.csproj").Length != 1)
                throw new UsageException($"{StackManifest.FileName}: service '{service.Name}' folder '{service.Project}' needs a Dockerfile or exactly one .csproj.");
        }
    }

    public async Task<IReadOnlyList<ImageEntry>> RunAsync(ImageBuildRequest request, CancellationToken cancellation)
    {
        Validate(request.Root, request.Manifest);
        var services = request.Manifest.Services;
        var registry = request.Registry;
        string RepoPath(ServiceSpec s) => ReleasePath(request.Manifest, s.Name);
        string StagePath(ServiceSpec s) => StagingPath(request.Manifest, s.Name);

        // Every tool first: a missing one fails the run before anything is built or pushed.
        var needsBase = services.Any(s => !ServiceImageBuilder.HasDockerfile(request.Root, s));
        var baseTools = needsBase ? await tools.BaseAsync(cancellation) : null;
        if (services.Any(s => ServiceImageBuilder.HasDockerfile(request.Root, s))) await tools.BuildahAsync();
        var podman = request.Smoke ? await tools.PodmanAsync(cancellation) : null;
        var skopeo = await tools.SkopeoAsync(cancellation);

        BaseImage? baseImage = null;
        if (baseTools is not null)
        {
            var builder = new BaseImageBuilder(baseTools, (request.WorkDirectory / "base").CreateDirectory(), request.DebCache);
            baseImage = await builder.EnsureAsync(request.ReadBaseLock(), registry,
                request.Manifest.Registry.BaseImageRepository, request.Source, cancellation);
        }

        // A service whose inputs did not change keeps its image (and digest); only the others are built, tested and pushed.
        var reuse = new ImageReuse(request.WorkDirectory / "reuse.json");
        var recorded = reuse.Read();
        var inputs = services.ToDictionary(s => s.Name, s => ImageReuse.Inputs(request.Root, s,
            ServiceImageBuilder.HasDockerfile(request.Root, s) ? null : baseImage?.Digest, Environment.Version.ToString()));
        var kept = new Dictionary<string, ImageEntry>();
        foreach (var s in services)
            if (await ImageReuse.ReusableAsync(recorded.GetValueOrDefault(s.Name), inputs[s.Name], s, registry.Repository(StagePath(s)),
                    registry.Repository(RepoPath(s)), skopeo, registry, cancellation) is { } image)
            {
                kept[s.Name] = image;
                Log.Information("{Service}: unchanged since {Revision} (inputs {Inputs}); keeping {Digest}", s.Name,
                    image.Revision is { Length: >= 12 } r ? r[..12] : image.Tag, inputs[s.Name][..19], image.Digest.Value[..19]);
            }
        var toBuild = services.Where(s => !kept.ContainsKey(s.Name)).ToList();
        RunRecord.Current?.Note($"building {(toBuild.Count == 0 ? "none" : string.Join(", ", toBuild.Select(s => s.Name)))}; "
            + $"unchanged, kept {(kept.Count == 0 ? "none" : string.Join(", ", kept.Keys))}");

        var serviceBuilder = new ServiceImageBuilder(request.Root, request.WorkDirectory, tools.DotNetAsync, tools.BuildahAsync, request.PublishEnvironment);
        var built = await AllOrNothing(toBuild.Select(s => serviceBuilder.BuildAsync(s, baseImage, registry, RepoPath(s), request.Source, cancellation)));

        var smoke = new Dictionary<string, SmokeResult>();
        if (podman is not null)
        {
            var test = new SmokeTest(podman);
            // One at a time: four .NET processes starting at once on a small machine blur the 10 s health deadline.
            var results = new List<(ServiceSpec Service, SmokeResult Result)>();
            foreach (var b in built)
                results.Add((b.Service, await test.RunAsync(b.Image, b.Service.Name, b.Service.HealthPath, cancellation)));
            var failed = results.Where(r => !r.Result.Passed).ToList();
            if (failed.Count > 0)
                throw new InvalidOperationException($"Smoke test failed for {string.Join("; ", failed.Select(f => $"{f.Service.Name}: {f.Result.Failure}"))}. Nothing was pushed.");
            foreach (var (service, result) in results) smoke[service.Name] = result;
        }

        // Pushed to staging only: Scan and Sbom read them there, and Promote copies each to its release repository after the gate.
        if (built.Count > 0) await PushPreflight.CheckAsync(registry, toBuild.Select(StagePath), cancellation);
        var images = new List<ImageEntry>();
        foreach (var b in built)
        {
            var repository = registry.Repository(RepoPath(b.Service));
            var staging = registry.Repository(StagePath(b.Service));
            var tagged = $"docker://{staging}:{request.Source.Tag}";
            await skopeo.CopyAsync(b.Image, tagged, !registry.PlainHttp, registry.AuthFile, cancellation);
            var (digest, size) = await ReadManifestAsync(skopeo, tagged, registry, cancellation);
            images.Add(new ImageEntry(b.Service.Name, repository, request.Source.Tag, new Digest(digest), size,
                b.Builder == "dotnet" && baseImage is not null ? new Digest(baseImage.Digest) : null,
                b.BuildMs, b.Builder, smoke.GetValueOrDefault(b.Service.Name), request.Source.Revision, staging));
            Log.Information("Pushed {Repository}@{Digest} ({Size:0.0} MB compressed) to staging", staging, digest, size / 1e6);
        }
        var all = services.Select(s => kept.GetValueOrDefault(s.Name) ?? images.Single(i => i.Service == s.Name)).ToList();
        reuse.Write(all.ToDictionary(i => i.Service, i => new ImageReuse.Entry(inputs[i.Service], i)));
        return all;
    }

    /// <summary>Where a service's release image lives (no registry): &lt;repository&gt;/&lt;service&gt;, written only by Promote.</summary>
    public static string ReleasePath(StackManifest manifest, string service) => $"{manifest.Registry.Repository}/{service}";

    /// <summary>Where BuildImages pushes a service's image (no registry): &lt;repository&gt;/staging/&lt;service&gt;; Scan and Sbom read it there.</summary>
    public static string StagingPath(StackManifest manifest, string service) => $"{manifest.Registry.Repository}/staging/{service}";

    /// <summary>Digest (sha256 of the manifest bytes) and compressed size (config + layers) as the registry stores them.</summary>
    public static async Task<(string Digest, long Size)> ReadManifestAsync(Skopeo skopeo, string reference, RegistryEndpoint registry, CancellationToken cancellation)
    {
        var image = await skopeo.InspectAsync(reference, !registry.PlainHttp, registry.AuthFile, cancellation);
        var raw = await skopeo.InspectRawAsync(reference, !registry.PlainHttp, registry.AuthFile, cancellation);
        using var doc = JsonDocument.Parse(raw);
        var size = doc.RootElement.GetProperty("config").GetProperty("size").GetInt64()
            + doc.RootElement.GetProperty("layers").EnumerateArray().Sum(l => l.GetProperty("size").GetInt64());
        var rawDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw.TrimEnd('\n'))));
        if (rawDigest != image.Digest) Log.Debug("Raw manifest digest {Raw} differs from reported {Digest}; using the registry's", rawDigest, image.Digest);
        return (image.Digest, size);
    }

    /// <summary>Waits for every task (so no build is left running), then throws the first failure.</summary>
    static async Task<IReadOnlyList<T>> AllOrNothing<T>(IEnumerable<Task<T>> tasks)
    {
        var all = tasks.ToList();
        try { return await Task.WhenAll(all); }
        catch
        {
            var first = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null) throw first;
            throw;
        }
    }
}
