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
    public const string Commit = TinyRegistry.Commit;
    const string LocalBuilder = TinyRegistry.LocalBuilder;

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

    TinyRegistry registry = null!;
    readonly string work = Path.Combine(Path.GetTempPath(), "clustersnek-tamper-" + Guid.NewGuid().ToString("N")[..8]);
    RegistryClient client = null!;
    readonly SigningKey key = SigningKey.Generate();
    readonly SigningKey foreign = SigningKey.Generate();
    readonly Dictionary<string, ImageEntry> entries = [];
    static JsonNode Sbom => TinyRegistry.Sbom;

    public string Host => registry.Host;
    public ImageEntry Entry(string service) => entries[service];
    string PublicKeyFile => Path.Combine(work, "keys", "cosign.pub");
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs `_build.dll VerifySignatures` in a fresh root whose pipeline.json records <paramref name="services"/>.</summary>
    public (int Exit, string Output) Verify(IEnumerable<string> services)
    {
        using var root = new ThrowawayRoot();
        TinyRegistry.Record(root.Path, services.Select(s => entries[s]).ToList());
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
        registry = await TinyRegistry.StartAsync(work);
        client = registry.Client;
        foreach (var service in Cases.Keys) entries[service] = await registry.PushImageAsync(service, "tamper/" + service, service);

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
        var about = TinyRegistry.Statements(other.Repository, entries["good"].Digest, Commit, LocalBuilder);
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

    Task SignAsync(string service, SigningKey with, string commit = Commit, string builder = LocalBuilder) =>
        registry.SignAsync(entries[service], with, commit, builder);

    async Task<ImageManifest> ManifestAsync(ImageReference image, string tag) => (await client.GetManifestAsync(image.WithTag(tag), Ct)).AsImage(tag);

    Task PutAsync(ImageReference image, string tag, ImageManifest manifest) =>
        client.PutManifestAsync(Host, image.Repository, tag, manifest.ToBytes(), MediaTypes.OciManifest, Ct);

    async Task CopyAsync(ImageReference from, ImageReference to, string tag, ImageManifest manifest)
    {
        foreach (var blob in manifest.Layers.Append(manifest.Config))
            await client.PushBlobAsync(Host, to.Repository, await client.GetBlobAsync(Host, from.Repository, blob.Digest, Ct), blob.MediaType, Ct);
        await PutAsync(to, tag, manifest);
    }

    public async ValueTask DisposeAsync()
    {
        key.Dispose();
        foreign.Dispose();
        if (registry is not null) await registry.DisposeAsync();
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }
}
