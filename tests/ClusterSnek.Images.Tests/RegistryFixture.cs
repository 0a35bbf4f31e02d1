using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Images.Tests;

/// <summary>One real embedded registry (docker-registry) for the integration tests, on a free port, storage in a temp folder.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public AbsolutePath Directory { get; } = new(System.IO.Directory.CreateTempSubdirectory("clustersnek-images-tests-").FullName);
    public Toolchain Toolchain { get; } = Toolchain.ForRoot(Repo.Root);
    public EmbeddedRegistry Registry { get; private set; } = null!;
    public RegistryEndpoint Endpoint { get; private set; } = null!;
    public ImageTools Tools => new(Toolchain, Directory);

    public async ValueTask InitializeAsync()
    {
        Registry = new EmbeddedRegistry(Directory / "registry");
        Endpoint = await Registry.EnsureRunningAsync(await Tools.RegistryAsync(default), LoopbackPort.Free(), default);
    }

    public ValueTask DisposeAsync()
    {
        Registry.Stop();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }

    /// <summary>The repositories the registry holds (GET /v2/_catalog).</summary>
    public async Task<IReadOnlyList<string>> CatalogAsync()
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(Endpoint.ApiBase, "_catalog"));
        return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()!).ToList();
    }
}

/// <summary>The repository root (the folder holding .nuke/), found from the test's directory.</summary>
public static class Repo
{
    public static AbsolutePath Root { get; } = Find();

    static AbsolutePath Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.Directory.Exists(Path.Combine(dir.FullName, ".nuke"))) return new AbsolutePath(dir.FullName);
        throw new InvalidOperationException("Repository root (.nuke/) not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition("registry")]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>;
