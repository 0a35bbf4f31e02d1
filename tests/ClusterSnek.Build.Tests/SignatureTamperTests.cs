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

namespace ClusterSnek.Build.Tests;

/// <summary>
/// Tampered signatures and attestations refused through the pipeline: the compiled build runs <c>VerifySignatures</c> as its own
/// process against a real docker-registry, with a pipeline.json written through the typed record and the trust root given as
/// --signing-public-key. One registry and one image set (<see cref="TamperedImages"/>); every case is an image of its own, all
/// verified in one run beside an untampered image that must pass (one process and one trivy run keep the test cheap).
/// </summary>
public sealed class SignatureTamperTests(TamperedImages images) : IClassFixture<TamperedImages>
{
    [Fact]
    public void Every_tampered_image_is_refused_with_one_line_naming_the_image_and_the_cause()
    {
        var (exit, output) = images.Verify(TamperedImages.Cases.Keys);
        Assert.NotEqual(0, exit);
        var lines = output.Split('\n');
        foreach (var (service, cause) in TamperedImages.Cases.Where(c => c.Key != "good"))
        {
            var rejected = lines.Where(l => l.Contains($"REJECTED {service}: ", StringComparison.Ordinal)).ToList();
            Assert.True(rejected.Count == 1, $"{service}: expected one REJECTED line, found {rejected.Count} in:\n{output}");
            Assert.Contains($"{images.Host}/tamper/{service}", rejected[0], StringComparison.Ordinal);
            Assert.Contains(cause(images), rejected[0], StringComparison.Ordinal);
        }
        // The untampered image of the same run passes everything: the refusals are the tampering, not the setup.
        Assert.DoesNotContain(lines, l => l.Contains("REJECTED good:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"verified: good {images.Entry("good").Digest.Value}: signature and 2 attestation(s) verified, 6 attestation policies passed", StringComparison.Ordinal));
        Assert.Contains($"Signature verification failed for {TamperedImages.Cases.Count - 1} of {TamperedImages.Cases.Count} image(s)", output, StringComparison.Ordinal);
    }
}

/// <summary>
/// A real docker-registry with one tiny image per case, signed by the test key and then tampered with; the public key lives outside
/// the throwaway root's artifacts/ (a trust root the verifier accepts).
/// </summary>
public sealed class TamperedImages : IAsyncLifetime
{
    public const string Commit = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";
    const string LocalBuilder = "https://github.com/clustersnek/clustersnek/local-builder";

    /// <summary>Each case (service) and the cause its REJECTED line must name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<TamperedImages, string>> Cases = new Dictionary<string, Func<TamperedImages, string>>
    {
        ["good"] = _ => "",
        ["foreignkey"] = _ => "signature does not verify with the public key",
        ["copiedsig"] = t => $"signature is for another digest ({t.entries["good"].Digest}), not {t.entries["copiedsig"].Digest}",
        ["alteredpayload"] = _ => "https://slsa.dev/provenance/v1 attestation: DSSE signature does not verify with the public key (envelope altered or signed by another key)",
        ["otherdigest"] = t => $"statement subject mismatch: it names {t.entries["good"].Digest}, not {t.entries["otherdigest"].Digest}",
        ["wrongcommit"] = _ => $"provenance attestation refused by policy: ATT004 predicate.buildDefinition.resolvedDependencies[].digest.gitCommit: expected {Commit}, found ffffffffffffffffffffffffffffffffffffffff",
        ["wrongbuilder"] = _ => $"provenance attestation refused by policy: ATT003 predicate.runDetails.builder.id: expected {LocalBuilder}, found https://evil.example/builder",
    };

    Process? registry;
    readonly string work = Path.Combine(Path.GetTempPath(), "clustersnek-tamper-" + Guid.NewGuid().ToString("N")[..8]);
    readonly RegistryClient client = new();
    readonly SigningKey key = SigningKey.Generate();
    readonly SigningKey foreign = SigningKey.Generate();
    readonly Dictionary<string, ImageEntry> entries = [];
    static readonly JsonNode Sbom = JsonNode.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"zlib1g","version":"1.2.13"}]}""")!;

    public string Host { get; private set; } = "";
    public ImageEntry Entry(string service) => entries[service];
    string PublicKeyFile => Path.Combine(work, "keys", "cosign.pub");
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs `_build.dll VerifySignatures` in a fresh root whose pipeline.json records <paramref name="services"/>.</summary>
    public (int Exit, string Output) Verify(IEnumerable<string> services)
    {
        using var root = new ThrowawayRoot();
        var record = new RunRecord { Requested = ["BuildImages"], Commit = Commit };
        var recorded = services.Select(s => entries[s]).ToList();
        record.Set(Sections.Images, recorded);
        (root.Path / "artifacts").CreateDirectory();
        record.Write(root.Path / "artifacts" / "pipeline.json");
        foreach (var entry in recorded)
        {
            var sbom = ClusterSnek.Supply.Sbom.SbomStage.FileFor(root.Path / "artifacts" / "sbom", entry);
            Directory.CreateDirectory(Path.GetDirectoryName(sbom)!);
            File.WriteAllText(sbom, Sbom.ToJsonString());
        }
        var rego = PipelineBuild.RootDirectory / "policies" / "attestations" / "rego";
        (root.Path / "policies" / "attestations" / "rego").CreateDirectory();
        foreach (var file in Directory.EnumerateFiles(rego)) File.Copy(file, root.Path / "policies" / "attestations" / "rego" / Path.GetFileName(file));
        return root.Run(["VerifySignatures", "--registry", Host, "--signing-public-key", PublicKeyFile,
            "--trivy-path", PipelineBuild.RootDirectory / ".nuke" / "tools" / "trivy" / "0.44.1" / "trivy"]);
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PublicKeyFile)!);
        await File.WriteAllTextAsync(PublicKeyFile, key.Public.Pem, Ct);
        await StartRegistryAsync();
        foreach (var service in Cases.Keys) entries[service] = await PushImageAsync(service);

        await SignAsync("good", key);
        await SignAsync("foreignkey", foreign);
        await SignAsync("alteredpayload", key);
        await SignAsync("wrongcommit", key, commit: "ffffffffffffffffffffffffffffffffffffffff");
        await SignAsync("wrongbuilder", key, builder: "https://evil.example/builder");

        // Another image's valid signature copied onto this digest (its attestations are this image's own, valid).
        await SignAsync("copiedsig", key);
        var good = entries["good"].Repository;
        var goodSig = await ManifestAsync(good, CosignFormat.SignatureTag(entries["good"].Digest));
        await CopyAsync(good, entries["copiedsig"].Repository, CosignFormat.SignatureTag(entries["copiedsig"].Digest), goodSig);

        // The provenance's DSSE payload altered (builder changed), the old signature kept.
        var altered = entries["alteredpayload"];
        var attTag = CosignFormat.AttestationTag(altered.Digest);
        var attestations = await ManifestAsync(altered.Repository, attTag);
        var layers = new List<Descriptor>();
        foreach (var layer in attestations.Layers)
        {
            if (layer.Annotation(CosignFormat.PredicateTypeAnnotation) != InTotoStatement.SlsaProvenancePredicate) { layers.Add(layer); continue; }
            var envelope = DsseEnvelope.Parse(await client.GetBlobAsync(Host, altered.Repository.Repository, layer.Digest, Ct), "test");
            var payload = Encoding.UTF8.GetString(envelope.PayloadBytes()).Replace(LocalBuilder, "https://evil.example/builder", StringComparison.Ordinal);
            var edited = envelope with { Payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)) };
            var blob = await client.PushBlobAsync(Host, altered.Repository.Repository, edited.ToBytes(), CosignFormat.DsseMediaType, Ct);
            layers.Add(blob with { Annotations = layer.Annotations });
        }
        await PutAsync(altered.Repository, attTag, attestations with { Layers = layers });

        // A validly signed statement naming another digest (good's), attached to this one.
        var other = entries["otherdigest"];
        await new ImageSigner(client, key).SignAsync(other.Repository, other.Digest, [], Ct);
        var about = Statements(other.Repository, entries["good"].Digest, Commit, LocalBuilder);
        var aboutLayers = new List<Descriptor>();
        foreach (var statement in about)
        {
            var envelope = DsseEnvelope.Sign(DsseEnvelope.InTotoPayloadType, statement.ToBytes(), key).ToBytes();
            var blob = await client.PushBlobAsync(Host, other.Repository.Repository, envelope, CosignFormat.DsseMediaType, Ct);
            aboutLayers.Add(blob with { Annotations = new Dictionary<string, string> { [CosignFormat.SignatureAnnotation] = "", [CosignFormat.PredicateTypeAnnotation] = statement.PredicateType } });
        }
        var config = await client.PushBlobAsync(Host, other.Repository.Repository, "{}"u8.ToArray(), MediaTypes.OciConfig, Ct);
        await PutAsync(other.Repository, CosignFormat.AttestationTag(other.Digest), new ImageManifest(2, MediaTypes.OciManifest, config, aboutLayers));
    }

    async Task SignAsync(string service, SigningKey with, string commit = Commit, string builder = LocalBuilder)
    {
        var entry = entries[service];
        await new ImageSigner(client, with).SignAsync(entry.Repository, entry.Digest, Statements(entry.Repository, entry.Digest, commit, builder), Ct);
    }

    static IReadOnlyList<InTotoStatement> Statements(ImageReference image, Digest digest, string commit, string builder) =>
    [
        InTotoStatement.For(image, digest, InTotoStatement.CycloneDxPredicate, Sbom.DeepClone()),
        InTotoStatement.For(image, digest, InTotoStatement.SlsaProvenancePredicate, new ProvenanceFacts(builder, "1", "Sign",
            new Dictionary<string, object?>(), null, commit, "urn:uuid:1", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow).ToPredicate(digest)),
    ];

    async Task<ImageEntry> PushImageAsync(string service)
    {
        using var tar = new MemoryStream();
        using (var gzip = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "app/service.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(service)) });
        var repository = "tamper/" + service;
        var layer = await client.PushBlobAsync(Host, repository, tar.ToArray(), MediaTypes.OciLayerGzip, Ct);
        var config = await client.PushBlobAsync(Host, repository, Encoding.UTF8.GetBytes(
            """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"""), MediaTypes.OciConfig, Ct);
        var digest = await client.PutManifestAsync(Host, repository, "v1", new ImageManifest(2, MediaTypes.OciManifest, config, [layer]).ToBytes(), MediaTypes.OciManifest, Ct);
        return new ImageEntry(service, $"{Host}/{repository}", "v1", digest, 0, null, 0, "test", null, Commit);
    }

    async Task<ImageManifest> ManifestAsync(ImageReference image, string tag) => (await client.GetManifestAsync(image.WithTag(tag), Ct)).AsImage(tag);

    Task PutAsync(ImageReference image, string tag, ImageManifest manifest) =>
        client.PutManifestAsync(Host, image.Repository, tag, manifest.ToBytes(), MediaTypes.OciManifest, Ct);

    async Task CopyAsync(ImageReference from, ImageReference to, string tag, ImageManifest manifest)
    {
        foreach (var blob in manifest.Layers.Append(manifest.Config))
            await client.PushBlobAsync(Host, to.Repository, await client.GetBlobAsync(Host, from.Repository, blob.Digest, Ct), blob.MediaType, Ct);
        await PutAsync(to, tag, manifest);
    }

    async Task StartRegistryAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Host = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
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
        client.Dispose();
        key.Dispose();
        foreign.Dispose();
        if (registry is { HasExited: false }) { registry.Kill(); registry.WaitForExit(5000); }
        registry?.Dispose();
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
