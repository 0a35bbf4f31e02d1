using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Reports.Tests;

/// <summary>pipeline.json documents shaped like the stages write them, and a throwaway folder for outputs.</summary>
public static class Fixture
{
    /// <summary>Tests pin "now" so an exception's expiry does not change the expected output over time.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static JsonNode Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)))!;

    public static JsonNode Full => Load("pipeline.full.json");
    public static JsonNode Partial => Load("pipeline.partial.json");

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
