using System.Diagnostics;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>One service's image, built into a local OCI archive (nothing pushed yet).</summary>
public sealed record BuiltImage(ServiceSpec Service, string ArchivePath, string Builder, long BuildMs);

/// <summary>
/// Builds a service's image into artifacts/images/&lt;service&gt;/image.tar: <c>dotnet publish -t:PublishContainer</c> on the
/// base image, or <c>buildah bud</c> when the service folder has a Dockerfile.
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
            await tool.BudAsync(folder, folder / "Dockerfile", local, source.Labels(service.Name), cancellation);
            try { await tool.PushAsync(local, $"oci-archive:{archive}:{source.Tag}", tlsVerify: !registry.PlainHttp, cancellation); }
            finally { await tool.RemoveImageAsync(local, cancellation); }
            return Done("buildah");
        }

        var project = Directory.GetFiles(folder, "*.csproj").SingleOrDefault()
            ?? throw new InvalidOperationException($"{StackManifest.FileName}: service '{service.Name}' folder {service.Project} has neither a Dockerfile nor exactly one .csproj.");
        if (baseImage is null) throw new InvalidOperationException($"Service '{service.Name}' needs the base image, which was not built.");
        var publish = await dotnet();
        await publish.PublishAsync(new ContainerPublishSettings(project, baseImage.Reference, repositoryPath, source.Tag, archive, dir / "publish")
        {
            User = BaseImageBuilder.NonRootUid.ToString(),
            SourceRevision = source.Revision,
            RepositoryUrl = source.Source,
            InsecureRegistries = registry.PlainHttp ? [registry.Host] : [],
            Environment = publishEnvironment,
        }, cancellation);
        if (!File.Exists(archive)) throw new InvalidOperationException($"dotnet publish for '{service.Name}' succeeded but wrote no image archive at {archive}.");
        return Done("dotnet");

        BuiltImage Done(string builder)
        {
            Log.Information("Built {Service} with {Builder} in {Seconds:0.0} s ({Size:0.0} MB archive)", service.Name, builder, clock.Elapsed.TotalSeconds,
                new FileInfo(archive).Length / 1e6);
            return new BuiltImage(service, archive, builder, clock.ElapsedMilliseconds);
        }
    }
}
