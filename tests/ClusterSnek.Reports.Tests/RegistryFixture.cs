using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Reports.Tests;

/// <summary>A real docker-registry process on a free 127.0.0.1 port with filesystem storage in a temp folder.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    Process? process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "clustersnek-audit-registry-" + Guid.NewGuid().ToString("N")[..8]);
    public string Host { get; private set; } = "";
    public RegistryClient Client { get; } = new();

    public async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Host = $"127.0.0.1:{FreePort()}";
        var config = Path.Combine(Directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Directory, "data")}
            http:
              addr: {Host}
            """);
        process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("docker-registry did not start (apt-get install docker-registry).");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try { if ((await http.GetAsync($"http://{Host}/v2/")).IsSuccessStatusCode) return; }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20)) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new InvalidOperationException($"docker-registry did not answer on {Host}.");
            await Task.Delay(100);
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (process is { HasExited: false }) { process.Kill(); process.WaitForExit(5000); }
        process?.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

[CollectionDefinition("registry")]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>;
