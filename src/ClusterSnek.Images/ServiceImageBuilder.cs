using System.Diagnostics;
using ClusterSnek.Images.Reproducible;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>One service's image, built locally (nothing pushed yet): <see cref="Image"/> is its skopeo/podman transport reference.</summary>
public sealed record BuiltImage(ServiceSpec Service, string Image, string Builder, long BuildMs);

/// <summary>
/// Builds a service's image: <c>dotnet publish -t:PublishContainer</c> on the base image (deterministic compiler settings), made
/// reproducible by <see cref="ServiceImageNormalizer"/> into artifacts/images/&lt;service&gt;/oci; or <c>buildah bud --timestamp</c>
/// into artifacts/images/&lt;service&gt;/image.tar when the service folder has a Dockerfile.
/// </summary>
public sealed class ServiceImageBuilder(AbsolutePath root, AbsolutePath workDirectory, Func<Task<ContainerPublish>> dotnet, Func<Task<Buildah>> buildah,
    IReadOnlyDictionary<string, string?> publishEnvironment)
{
    public static bool HasDockerfile(AbsolutePath root, ServiceSpec service) => File.Exists(root / service.Project / "Dockerfile");

    public async Task<BuiltImage> BuildAsync(ServiceSpec service, BaseImage? baseImage, RegistryEndpoint registry, string repositoryPath, SourceInfo source, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var dir = (workDirectory / service.Name).CreateDirectory();
        var archive = dir / "image.tar";
        if (File.Exists(archive)) File.Delete(archive);
        var folder = root / service.Project;

        if (HasDockerfile(root, service))
        {
            var tool = await buildah();
            var local = $"localhost/clustersnek-build/{service.Name}:{source.Tag}";
            await tool.BudAsync(folder, folder / "Dockerfile", local, source.Labels(service.Name), source.Created, cancellation);
            try { await tool.PushAsync(local, $"oci-archive:{archive}:{source.Tag}", tlsVerify: !registry.PlainHttp, cancellation); }
            finally { await tool.RemoveImageAsync(local, cancellation); }
            return Done("buildah", $"oci-archive:{archive}");
        }

        var project = Directory.GetFiles(folder, "*.csproj").SingleOrDefault()
            ?? throw new InvalidOperationException($"{StackManifest.FileName}: service '{service.Name}' folder {service.Project} has neither a Dockerfile nor exactly one .csproj.");
        if (baseImage is null) throw new InvalidOperationException($"Service '{service.Name}' needs the base image, which was not built.");
        var publish = await dotnet();
        var publishDirectory = dir / "publish";
        if (Directory.Exists(publishDirectory)) Directory.Delete(publishDirectory, recursive: true);
        await publish.PublishAsync(new ContainerPublishSettings(project, baseImage.Reference, repositoryPath, source.Tag, archive, publishDirectory)
        {
            SourceRoot = root,
            User = BaseImageBuilder.NonRootUid.ToString(),
            SourceRevision = source.Revision,
            RepositoryUrl = source.Source,
            InsecureRegistries = registry.PlainHttp ? [registry.Host] : [],
            Environment = publishEnvironment,
        }, cancellation);
        if (!File.Exists(archive)) throw new InvalidOperationException($"dotnet publish for '{service.Name}' succeeded but wrote no image archive at {archive}.");
        var manifest = await ServiceImageNormalizer.NormalizeAsync(archive, publishDirectory, baseImage.Layers, registry.Host, source.Created, source.Tag,
            service.Name, dir / "oci", cancellation);
        // Re-packed as an OCI archive (podman names an oci: folder after its path, which may hold capitals); the blobs inside are the layout's.
        File.Delete(archive);
        await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(dir / "oci", archive, includeBaseDirectory: false, cancellation);
        Log.Information("{Service}: reproducible image {Digest} (SOURCE_DATE_EPOCH {Epoch})", service.Name, manifest.Digest, source.Created.ToUnixTimeSeconds());
        return Done("dotnet", $"oci-archive:{archive}");

        BuiltImage Done(string builder, string image)
        {
            Log.Information("Built {Service} with {Builder} in {Seconds:0.0} s", service.Name, builder, clock.Elapsed.TotalSeconds);
            return new BuiltImage(service, image, builder, clock.ElapsedMilliseconds);
        }
    }
}
