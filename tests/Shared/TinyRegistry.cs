using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Testing;

/// <summary>
/// A real docker-registry process on a free loopback port, holding one-layer images that are a text file each, and signing them the
/// way Sign does (cosign signature plus SBOM and SLSA provenance attestations). Shared by the tests that run the compiled build's
/// VerifySignatures and Deploy against images the test signed. <see cref="On"/> uses a registry some other fixture started.
/// </summary>
public sealed class TinyRegistry : IAsyncDisposable
{
    public const string Commit = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";
    public const string LocalBuilder = "https://github.com/clustersnek/clustersnek/local-builder";
    public static readonly JsonNode Sbom = JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"zlib1g","version":"1.2.13"}]}""")!;

    Process? registry;
    readonly string work;
    readonly bool ownsClient = true;
    public RegistryClient Client { get; } = new();
    public string Host { get; private set; } = "";
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    TinyRegistry(string work) => this.work = work;

    TinyRegistry(RegistryClient client, string host) : this("")
    {
        Client = client;
        Host = host;
        ownsClient = false;
    }

    /// <summary>Pushes and signs on a registry already running at <paramref name="host"/> (it is not stopped on dispose).</summary>
    public static TinyRegistry On(RegistryClient client, string host) => new(client, host);

    public static async Task<TinyRegistry> StartAsync(string work)
    {
        var started = new TinyRegistry(work);
        await started.StartRegistryAsync();
        return started;
    }

    /// <summary>Pushes &lt;host&gt;/&lt;repository&gt;:v1, a one-layer image whose only file holds <paramref name="content"/>.</summary>
    public async Task<ImageEntry> PushImageAsync(string service, string repository, string content)
    {
        using var tar = new MemoryStream();
        using (var gzip = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "app/service.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
        var layer = await Client.PushBlobAsync(Host, repository, tar.ToArray(), MediaTypes.OciLayerGzip, Ct);
        var config = await Client.PushBlobAsync(Host, repository, Encoding.UTF8.GetBytes(
            """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"""), MediaTypes.OciConfig, Ct);
        var digest = await Client.PutManifestAsync(Host, repository, "v1", new ImageManifest(2, MediaTypes.OciManifest, config, [layer]).ToBytes(), MediaTypes.OciManifest, Ct);
        return new ImageEntry(service, $"{Host}/{repository}", "v1", digest, 0, null, 0, "test", null, Commit);
    }

    /// <summary>
    /// Pushes the image of an OCI layout (its first manifest) as &lt;host&gt;/&lt;repository&gt;:v1, labelled as the service: each
    /// service gets an image of its own digest from the same layers.
    /// </summary>
    public async Task<ImageEntry> PushLayoutAsync(string service, string repository, string layout)
    {
        byte[] Blob(string digest) => File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = JsonNode.Parse(Blob(index["manifests"]![0]!["digest"]!.ToString()))!;
        var layers = new List<Descriptor>();
        foreach (var layer in manifest["layers"]!.AsArray())
            layers.Add(await Client.PushBlobAsync(Host, repository, Blob(layer!["digest"]!.ToString()), layer["mediaType"]!.ToString(), Ct));
        var config = JsonNode.Parse(Blob(manifest["config"]!["digest"]!.ToString()))!;
        var labels = (config["config"] ??= new JsonObject())["Labels"] ??= new JsonObject();
        labels["org.opencontainers.image.title"] = service;
        var pushed = await Client.PushBlobAsync(Host, repository, Encoding.UTF8.GetBytes(config.ToJsonString()), MediaTypes.OciConfig, Ct);
        var bytes = new ImageManifest(2, MediaTypes.OciManifest, pushed, layers).ToBytes();
        var digest = await Client.PutManifestAsync(Host, repository, "v1", bytes, MediaTypes.OciManifest, Ct);
        return new ImageEntry(service, $"{Host}/{repository}", "v1", digest, bytes.Length, null, 0, "test", null, Commit);
    }

    /// <summary>Signs the image and attaches its SBOM and provenance attestations, as Sign does.</summary>
    public Task SignAsync(ImageEntry entry, SigningKey with, string commit = Commit, string builder = LocalBuilder) =>
        new ImageSigner(Client, with).SignAsync(entry.Repository, entry.Digest, Statements(entry.Repository, entry.Digest, commit, builder), Ct);

    public static IReadOnlyList<InTotoStatement> Statements(ImageReference image, Digest digest, string commit, string builder) =>
    [
        InTotoStatement.For(image, digest, InTotoStatement.CycloneDxPredicate, Sbom.DeepClone()),
        InTotoStatement.For(image, digest, InTotoStatement.SlsaProvenancePredicate, new ProvenanceFacts(builder, "1", "Sign",
            new Dictionary<string, object?>(), null, commit, "urn:uuid:1", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow).ToPredicate(digest)),
    ];

    /// <summary>Writes pipeline.json recording <paramref name="images"/> (as the last BuildImages did) and the SBOM Sbom wrote for each.</summary>
    public static void Record(AbsolutePath root, IReadOnlyList<ImageEntry> images)
    {
        var record = new RunRecord { Requested = ["BuildImages"], Commit = Commit };
        record.Set(Sections.Images, images);
        (root / "artifacts").CreateDirectory();
        record.Write(root / "artifacts" / "pipeline.json");
        foreach (var entry in images)
        {
            var sbom = ClusterSnek.Supply.Sbom.SbomStage.FileFor(root / "artifacts" / "sbom", entry);
            Directory.CreateDirectory(Path.GetDirectoryName(sbom)!);
            File.WriteAllText(sbom, Sbom.ToJsonString());
        }
    }

    async Task StartRegistryAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Host = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        Directory.CreateDirectory(work);
        var config = Path.Combine(work, "registry.yml");
        await File.WriteAllTextAsync(config, $"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {Path.Combine(work, "data")}\nhttp:\n  addr: {Host}\n", Ct);
        registry = Process.Start(new ProcessStartInfo("docker-registry", ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("docker-registry did not start (apt-get install docker-registry).");
        registry.ErrorDataReceived += (_, _) => { };
        registry.OutputDataReceived += (_, _) => { };
        registry.BeginErrorReadLine();
        registry.BeginOutputReadLine();
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try { if ((await http.GetAsync($"http://{Host}/v2/", Ct)).IsSuccessStatusCode) return; }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20)) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new InvalidOperationException($"docker-registry did not answer on {Host}.");
            await Task.Delay(100, Ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (ownsClient) Client.Dispose();
        if (registry is { HasExited: false }) { registry.Kill(); registry.WaitForExit(5000); }
        registry?.Dispose();
        return ValueTask.CompletedTask;
    }
}
