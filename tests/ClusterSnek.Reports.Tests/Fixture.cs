using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports.Tests;

/// <summary>Where the repository is (for committed files the tests compare against).</summary>
public static class Fixture
{
    /// <summary>The repository root (the folder holding ClusterSnek.sln).</summary>
    public static AbsolutePath RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ClusterSnek.sln"))) return new AbsolutePath(dir.FullName);
            throw new InvalidOperationException("ClusterSnek.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public AbsolutePath Path { get; } = new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clustersnek-reports-" + Guid.NewGuid().ToString("N")[..8]));

    public TempFolder() => Path.CreateDirectory();

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
