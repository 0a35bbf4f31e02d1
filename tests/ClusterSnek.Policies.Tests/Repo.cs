using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Policies.Tests;

/// <summary>The repository these tests run in, and its pinned tools (installed for real when missing).</summary>
public static class Repo
{
    public static AbsolutePath Root { get; } = FindRoot();

    static readonly Toolchain Tools = Toolchain.ForRoot(Root);

    public static Task<ResolvedTool> HelmAsync() => Tools.ResolveAsync(ToolPins.Helm);
    public static Task<ResolvedTool> TrivyAsync() => Tools.ResolveAsync(ToolPins.Trivy);

    public static string TempDirectory() => Directory.CreateTempSubdirectory("clustersnek-policy-test-").FullName;

    static AbsolutePath FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "clustersnek.yaml")) && Directory.Exists(Path.Combine(dir.FullName, ".nuke"))) return new AbsolutePath(dir.FullName);
        throw new InvalidOperationException("repository root (clustersnek.yaml) not found above " + AppContext.BaseDirectory);
    }
}
