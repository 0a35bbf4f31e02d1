using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Images;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// The four real service images (src/services), built by the real image stage (ImageBuild: offline base image, dotnet
/// publish per service, pushed to an embedded docker-registry) once per content of the services' sources, and kept under
/// /tmp with the registry's storage: a later run starts a registry on that storage (a new free port) and reuses the digests.
/// </summary>
public sealed class ServiceImages : IAsyncDisposable
{
    EmbeddedRegistry? registry;

    public IReadOnlyList<PinnedImage> Images { get; private set; } = [];
    public RegistryEndpoint Endpoint { get; private set; } = null!;

    public static async Task<ServiceImages> EnsureAsync(StackManifest manifest, Toolchain toolchain, CancellationToken cancellation)
    {
        var key = SourceKey(manifest);
        var directory = new AbsolutePath(Path.Combine(TestImage.Cache, "services-v2-" + key[..16]));
        var digestsFile = directory / "digests.json";
        var images = new ServiceImages { registry = new EmbeddedRegistry(directory / "registry") };
        var tool = new DockerRegistry(await toolchain.ResolveAsync(ToolPins.Registry, cancellation));
        images.Endpoint = await images.registry.EnsureRunningAsync(tool, LoopbackPort.Free(), cancellation);

        if (!File.Exists(digestsFile))
        {
            var work = (directory / "work").CreateDirectory();
            var build = new ImageBuild(new ImageTools(toolchain, work));
            var built = await build.RunAsync(new ImageBuildRequest(Repo.Root, manifest, images.Endpoint,
                new SourceInfo("file:///clustersnek-kube-tests", key[..40], DateTimeOffset.UnixEpoch), Smoke: false) { WorkDirectory = work }, cancellation);
            var digests = built.ToDictionary(i => i.Service, i => i.Digest.Value);
            await File.WriteAllTextAsync(digestsFile, JsonSerializer.Serialize(digests), cancellation);
            Directory.Delete(work, recursive: true);
        }
        var recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(digestsFile, cancellation))!;
        images.Images = manifest.Services.Select(s => new PinnedImage(s.Name,
            // ImageBuild pushes to staging (Promote releases after Scan); the broken releases run the staged images as they are.
            images.Endpoint.Repository($"{manifest.Registry.Repository}/staging/{s.Name}"), new Digest(recorded[s.Name]))).ToList();
        return images;
    }

    /// <summary>A hash of everything the images are built from: the services' sources and the base image's package list.</summary>
    static string SourceKey(StackManifest manifest)
    {
        var files = Directory.EnumerateFiles(Repo.Root / "src" / "services", "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Append(Repo.Root / "src" / "ClusterSnek.Images" / "BaseImage" / "packages.txt")
            .Append(Repo.Root / "Directory.Packages.props")
            .Where(File.Exists)
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join(",", manifest.Services.Select(s => s.Name + "=" + s.Project))));
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(Repo.Root, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public ValueTask DisposeAsync()
    {
        registry?.Stop();
        return ValueTask.CompletedTask;
    }
}
