using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CliWrap;
using CliWrap.Buffered;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// A tiny real image, built offline: busybox-static from Debian unpacked into a rootfs with uid 65532 and a read-only
/// /www holding readyz, healthz and api/chain, packed with umoci, pushed with skopeo to a docker-registry started on a
/// free port. The image runs <c>busybox httpd -p $PORT -h ${WWW:-/www}</c> (PORT falls back to ASPNETCORE_HTTP_PORTS, as the
/// chart sets it for the .NET services), so a revision picks its port by env and a
/// broken revision can point WWW at nothing.
/// </summary>
public sealed class TestImage : IAsyncDisposable
{
    public static readonly string Cache = Path.Combine(Path.GetTempPath(), "clustersnek-kube-tests");

    Process? registry;
    string? storage;

    public int RegistryPort { get; private set; }
    public string Reference => $"127.0.0.1:{RegistryPort}/clustersnek-test/web";
    public string Digest { get; private set; } = "";

    public static async Task<TestImage> BuildAsync(CancellationToken cancellation)
    {
        var image = new TestImage();
        var layout = await LayoutAsync(cancellation);
        image.RegistryPort = FreePort();
        var storage = image.storage = Path.Combine(Cache, "registry-" + Guid.NewGuid().ToString("N")[..8]);
        var config = storage + ".yml";
        await File.WriteAllTextAsync(config, $"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {storage}\nhttp:\n  addr: 127.0.0.1:{image.RegistryPort}\n", cancellation);
        image.registry = Process.Start(new ProcessStartInfo("docker-registry", ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        image.registry.BeginErrorReadLine();
        image.registry.BeginOutputReadLine();
        await WaitForPortAsync(image.RegistryPort, cancellation);
        var digestFile = storage + ".digest";
        await Run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", "--digestfile", digestFile, $"oci:{layout}:web", $"docker://{image.Reference}:1"], Cache, cancellation);
        image.Digest = (await File.ReadAllTextAsync(digestFile, cancellation)).Trim();
        return image;
    }

    /// <summary>
    /// The image as an OCI layout (tag "web"), packed once and kept under <see cref="Cache"/>: for tests that push it themselves.
    /// Test projects run in parallel processes: the first packs it, under a lock file, the others wait for it.
    /// </summary>
    public static async Task<string> LayoutAsync(CancellationToken cancellation)
    {
        var layout = Path.Combine(Cache, "oci-v2");
        if (File.Exists(Path.Combine(layout, "index.json"))) return layout;
        Directory.CreateDirectory(Cache);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var held = new FileStream(layout + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (!File.Exists(Path.Combine(layout, "index.json"))) await PackAsync(layout, cancellation);
                return layout;
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(5)) { await Task.Delay(500, cancellation); }
        }
    }

    static async Task PackAsync(string layout, CancellationToken cancellation)
    {
        var work = Directory.CreateDirectory(Path.Combine(Cache, "build-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        await Run("apt-get", ["download", "busybox-static"], work, cancellation);
        var deb = Directory.EnumerateFiles(work, "busybox-static*.deb").Single();
        var building = layout + ".tmp";
        if (Directory.Exists(building)) Directory.Delete(building, true);
        await Run("umoci", ["init", "--layout", building], work, cancellation);
        await Run("umoci", ["new", "--image", building + ":web"], work, cancellation);
        await Run("umoci", ["unpack", "--image", building + ":web", "bundle"], work, cancellation);
        var rootfs = Path.Combine(work, "bundle", "rootfs");
        await Run("dpkg-deb", ["-x", deb, rootfs], work, cancellation);
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/false\nnonroot:x:65532:65532:nonroot:/www:/bin/false\n", cancellation);
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc", "group"), "root:x:0:\nnonroot:x:65532:\n", cancellation);
        Directory.CreateDirectory(Path.Combine(rootfs, "www", "api"));
        Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "www", "readyz"), "ready\n", cancellation);
        await File.WriteAllTextAsync(Path.Combine(rootfs, "www", "healthz"), "ok\n", cancellation);
        await File.WriteAllTextAsync(Path.Combine(rootfs, "www", "api", "chain"), "{\"chain\":[\"web\"]}\n", cancellation);
        await Run("umoci", ["repack", "--image", building + ":web", "bundle"], work, cancellation);
        await Run("umoci", ["config", "--image", building + ":web", "--config.user", "65532:65532",
            "--config.entrypoint", "/bin/busybox", "--config.entrypoint", "sh", "--config.entrypoint", "-c",
            "--config.entrypoint", "exec /bin/busybox httpd -f -p \"${PORT:-${ASPNETCORE_HTTP_PORTS:-8080}}\" -h \"${WWW:-/www}\""], work, cancellation);
        Directory.Move(building, layout);
        Directory.Delete(work, true);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task WaitForPortAsync(int port, CancellationToken cancellation)
    {
        for (var i = 0; i < 100; i++)
        {
            try { using var c = new TcpClient(); await c.ConnectAsync(IPAddress.Loopback, port, cancellation); return; }
            catch (SocketException) { await Task.Delay(100, cancellation); }
        }
        throw new InvalidOperationException($"docker-registry did not listen on {port}");
    }

    static async Task Run(string file, string[] args, string directory, CancellationToken cancellation)
    {
        var r = await Cli.Wrap(file).WithArguments(args).WithWorkingDirectory(directory).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellation);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {r.ExitCode}: {r.StandardError}{r.StandardOutput}");
    }

    public async ValueTask DisposeAsync()
    {
        if (registry is { HasExited: false })
        {
            registry.Kill();
            await registry.WaitForExitAsync();
        }
        registry?.Dispose();
        if (storage is not null)
        {
            if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
            foreach (var file in new[] { storage + ".yml", storage + ".digest" }) File.Delete(file);
        }
    }
}
