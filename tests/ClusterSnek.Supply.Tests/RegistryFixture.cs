using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CliWrap;
using CliWrap.Buffered;
using ClusterSnek.Images.Distribution;

namespace ClusterSnek.Supply.Tests;

/// <summary>A real docker-registry process on a free 127.0.0.1 port with filesystem storage in a temp folder.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    Process? process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "clustersnek-registry-" + Guid.NewGuid().ToString("N")[..8]);
    public string Host { get; private set; } = "";
    public RegistryClient Client { get; } = new();

    public async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Host = $"127.0.0.1:{port}";
        var config = Path.Combine(Directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Directory, "data")}
              delete:
                enabled: true
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

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (process is { HasExited: false }) { process.Kill(); process.WaitForExit(5000); }
        process?.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Builds a one-layer image with umoci (an empty OCI image plus <paramref name="files"/>) and pushes it with skopeo;
    /// returns the reference with its tag and the digest the registry reports.
    /// </summary>
    public async Task<(ImageReference Image, Digest Digest)> PushImageAsync(string repository, string tag, IReadOnlyDictionary<string, string> files)
    {
        var work = Path.Combine(Directory, "build-" + Guid.NewGuid().ToString("N")[..8]);
        var layout = Path.Combine(work, "layout");
        var bundle = Path.Combine(work, "bundle");
        await Run("umoci", "init", "--layout", layout);
        await Run("umoci", "new", "--image", layout + ":" + tag);
        await Run("umoci", "unpack", "--image", layout + ":" + tag, bundle);
        foreach (var (path, content) in files)
        {
            var target = Path.Combine(bundle, "rootfs", path.TrimStart('/'));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllTextAsync(target, content);
        }
        await Run("umoci", "repack", "--image", layout + ":" + tag, bundle);
        var image = new ImageReference(Host, repository, tag);
        await Run("skopeo", "copy", "--dest-tls-verify=false", $"oci:{layout}:{tag}", "docker://" + image);
        System.IO.Directory.Delete(work, recursive: true);
        var digest = await Client.ResolveAsync(image) ?? throw new InvalidOperationException($"{image} not found after push.");
        return (image, digest);
    }

    static async Task Run(string tool, params string[] args)
    {
        var result = await Cli.Wrap(tool).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (result.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {result.StandardError}");
    }
}

[CollectionDefinition("registry")]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>;

/// <summary>Trivy tests get their own registry so they run beside the signing tests instead of after them.</summary>
[CollectionDefinition("trivy")]
public sealed class TrivyCollection : ICollectionFixture<RegistryFixture>;
