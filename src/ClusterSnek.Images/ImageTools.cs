using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Images;

/// <summary>The tools of the image stage, resolved on first use (so a missing one fails before anything it would touch).</summary>
public sealed class ImageTools(Toolchain toolchain, AbsolutePath workDirectory, string? aptGetPath = null, string? dpkgDebPath = null)
{
    public async Task<Skopeo> SkopeoAsync(CancellationToken cancellation) => new(await toolchain.ResolveAsync(ToolPins.Skopeo, cancellation));

    public async Task<DockerRegistry> RegistryAsync(CancellationToken cancellation) => new(await toolchain.ResolveAsync(ToolPins.Registry, cancellation));

    public async Task<Podman> PodmanAsync(CancellationToken cancellation)
    {
        await toolchain.ResolveAsync(ToolPins.Runc, cancellation);
        return new(await toolchain.ResolveAsync(ToolPins.Podman, cancellation), PodmanStorage.Under(workDirectory / "podman"));
    }

    public async Task<BaseImageTools> BaseAsync(CancellationToken cancellation) => new(DpkgDeb.Resolve(dpkgDebPath), await SkopeoAsync(cancellation));

    /// <summary>apt-get, only for LockBasePackages (with the project's own apt configuration); builds download by the lock's URLs.</summary>
    public AptGet Apt() => AptGet.Resolve(aptGetPath);

    public Task<ContainerPublish> DotNetAsync() => Task.FromResult(new ContainerPublish(DotNet.Resolve()));

    public async Task<Buildah> BuildahAsync() =>
        new(await toolchain.ResolveAsync(ToolPins.Buildah), workDirectory / "buildah" / "root", workDirectory / "buildah" / "run");
}
