using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>
/// Canary: a key pair made with a known password signs and attests a real image; the password and every form of the
/// private key (PEM lines, raw scalar in base64 and hex) must appear in no log line, registry blob or written file.
/// </summary>
[Collection("registry")]
public sealed class CanaryTests(RegistryFixture registry) : IDisposable
{
    sealed class Capture : ILogEventSink
    {
        public StringBuilder Text { get; } = new();
        public void Emit(LogEvent logEvent) { lock (Text) Text.AppendLine(Redactor.Redact(logEvent.RenderMessage())); }
    }

    const string Password = "canary-Pa55word-7f3a9c";
    readonly AbsolutePath temp = new(Path.Combine(Path.GetTempPath(), "clustersnek-canary-" + Guid.NewGuid().ToString("N")[..8]));

    public void Dispose() { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }

    [Fact]
    public async Task Private_key_material_and_its_password_appear_in_no_log_blob_or_file()
    {
        var capture = new Capture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(capture).CreateLogger();
        var repo = (temp / "repo").CreateDirectory();
        var keyFile = temp / "keys" / "cosign.key";
        KeyStore.Generate(repo, repo / "cosign.pub", keyFile, Password);
        var pem = File.ReadAllText(keyFile);
        using var ec = ECDsa.Create();
        ec.ImportFromEncryptedPem(pem, Password);
        var scalar = ec.ExportParameters(includePrivateParameters: true).D!;
        string[] canaries = [Password, Convert.ToBase64String(scalar), Convert.ToHexStringLower(scalar), Convert.ToHexString(scalar),
            .. pem.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))];

        var (image, digest) = await registry.PushImageAsync("canary/app", "v1", new Dictionary<string, string> { ["a"] = "b" });
        (repo / "artifacts" / "sbom").CreateDirectory();
        await File.WriteAllTextAsync(repo / "artifacts" / "sbom" / "app.cdx.json", """{"bomFormat":"CycloneDX","specVersion":"1.5"}""", TestContext.Current.CancellationToken);
        using var identity = KeyStore.Resolve(repo, "cosign.pub", keyFile, Password, temp / "dev", requireProjectKey: true);
        // Parameters as a careless caller might pass them, password in clear: the provenance must still not carry it.
        var facts = new ProvenanceFacts("builder", "1", "Sign", new Dictionary<string, object?> { ["SigningKeyPassword"] = Password, ["Env"] = "dev" },
            null, "abc123", "urn:uuid:1", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        await new SignStage(registry.Client, identity, repo / "artifacts" / "sbom", repo).RunAsync([new ImageEntry("app", image.Name, "v1", digest, 0, null, 0, "test", null)], facts, TestContext.Current.CancellationToken);
        Log.Information("a careless line with the password {Password}", Password);

        var places = new List<(string Where, string Text)> { ("log", capture.Text.ToString()) };
        foreach (var file in Directory.EnumerateFiles(registry.Directory, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(repo, "*", SearchOption.AllDirectories)))
            places.Add((file, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken))));

        var leaks = places.SelectMany(p => canaries.Where(c => p.Text.Contains(c, StringComparison.Ordinal)).Select(c => $"{p.Where} holds {c[..6]}…")).ToList();
        Assert.Empty(leaks);
        Assert.Contains("a careless line with the password \"***\"", capture.Text.ToString(), StringComparison.Ordinal);
        var att = await registry.Client.GetManifestAsync(image.WithTag(CosignFormat.AttestationTag(digest)), TestContext.Current.CancellationToken);
        Assert.Equal(2, att.AsImage("att").Layers.Count);
    }
}
