using ClusterSnek.Pipeline;
using ClusterSnek.Stack;

namespace ClusterSnek.Images;

/// <summary>Before anything runs: every service in clustersnek.yaml points at a folder with a Dockerfile or one .csproj.</summary>
public sealed class ServiceFolders(AbsolutePath root, Func<StackManifest> manifest) : IRequirement
{
    public string Name => "service folders of clustersnek.yaml";

    public string? Check()
    {
        try { ImageBuild.Validate(root, manifest()); return null; }
        catch (UsageException e) { return e.Message; } // a ManifestException too
    }
}
