using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Sbom;

namespace ClusterSnek.Supply.Tests.Sbom;

[Collection("trivy")]
public sealed class SbomTests(RegistryFixture registry) : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly AbsolutePath root = new(Path.Combine(Path.GetTempPath(), "clustersnek-sbom-" + Guid.NewGuid().ToString("N")[..8]));

    public void Dispose() { try { Directory.Delete(root, recursive: true); } catch (IOException) { } }

    [Fact]
    public async Task Trivy_writes_a_schema_valid_CycloneDX_SBOM_with_os_and_dotnet_packages()
    {
        var (image, digest) = await registry.PushImageAsync("sbom/backend", "v1", RealTools.ImageFiles(withSecret: false));
        var stage = new SbomStage(await RealTools.TrivyAsync(), await RealTools.SkopeoAsync(), root, root / "artifacts" / "sbom");
        var summary = Assert.Single((await stage.RunAsync([new ImageEntry("backend", image.Name, "v1", digest, 0, null, 0, "test", null)], Ct)).Images);

        Assert.Equal(("artifacts/sbom/backend.cdx.json", "1.5"), (summary.Path, summary.SpecVersion));
        var bom = JsonNode.Parse(File.ReadAllText(root / summary.Path))!;
        var names = bom["components"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("zlib1g", names);
        Assert.Contains("Serilog", names);
        Assert.Contains("Zlib", summary.Licences);
        Assert.Equal(digest, summary.Digest);
        Assert.Equal(image.ByDigest(digest).ToString(), bom["metadata"]!["component"]!["name"]!.GetValue<string>());
        Assert.Empty(SbomValidator.Validate(File.ReadAllText(root / summary.Path)));
    }

    [Fact]
    public async Task The_SBOM_lists_the_bundled_dotnet_runtime_every_shipped_assembly_and_names_the_image_and_tools()
    {
        // Fixtures/mcp-server.deps.json is the SDK's own output for src/services/mcp-server (self-contained linux-x64 publish,
        // as BuildImages makes it): two runtime packs, four NuGet packages and the project, inside a real image pushed here.
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "mcp-server.deps.json"));
        var files = RealTools.ImageFiles(withSecret: false);
        files.Remove("app/backend.deps.json");
        files["app/mcp-server.deps.json"] = deps;
        var (image, digest) = await registry.PushImageAsync("sbom/mcp-server", "v1", files);
        var stage = new SbomStage(await RealTools.TrivyAsync(), await RealTools.SkopeoAsync(), root, root / "artifacts" / "sbom");

        var summary = Assert.Single((await stage.RunAsync([new ImageEntry("mcp-server", image.Name, "v1", digest, 0, null, 0, "test", null)], Ct)).Images);

        var bom = JsonNode.Parse(File.ReadAllText(root / summary.Path))!;
        Assert.Empty(SbomValidator.Validate(File.ReadAllText(root / summary.Path)));
        var components = bom["components"]!.AsArray().OfType<JsonObject>().ToList();
        var runtime = components.Single(c => c["name"]!.GetValue<string>() == "Microsoft.NETCore.App.Runtime.linux-x64");
        Assert.Equal("framework", runtime["type"]!.GetValue<string>());
        Assert.Equal("pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@10.0.12", runtime["purl"]!.GetValue<string>());
        var assemblies = runtime["components"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Contains(assemblies, a => a["name"]!.GetValue<string>() == "System.Private.CoreLib"
            && a["purl"]!.GetValue<string>() == "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@10.0.12#System.Private.CoreLib.dll");
        Assert.Contains(assemblies, a => a["type"]!.GetValue<string>() == "file" && a["name"]!.GetValue<string>() == "libcoreclr.so");
        Assert.Contains(components, c => c["purl"]?.GetValue<string>() == "pkg:nuget/Microsoft.AspNetCore.App.Runtime.linux-x64@10.0.12");
        Assert.Contains(components, c => c["purl"]?.GetValue<string>() == "pkg:generic/mcp-server@1.0.0" && c["type"]!.GetValue<string>() == "application");
        // A package Trivy lists itself appears once, with the files it ships nested.
        var mcp = Assert.Single(components, c => c["purl"]?.GetValue<string>() == "pkg:nuget/ModelContextProtocol.Core@2.4.0");
        Assert.Contains(mcp["components"]!.AsArray(), a => a!["name"]!.GetValue<string>() == "ModelContextProtocol.Core");
        // Every shipped file of the deps.json is a component with a purl.
        var shipped = JsonNode.Parse(deps)!["targets"]![".NETCoreApp,Version=v10.0/linux-x64"]!.AsObject()
            .Sum(t => (t.Value?["runtime"]?.AsObject().Count ?? 0) + (t.Value?["native"]?.AsObject().Count ?? 0));
        Assert.Equal(shipped, components.Sum(c => c["components"]?.AsArray().Count(a => a?["purl"] is not null) ?? 0));

        var metadata = bom["metadata"]!;
        Assert.Equal(digest.Value, metadata["component"]!["version"]!.GetValue<string>());
        Assert.Equal($"pkg:oci/mcp-server@{Uri.EscapeDataString(digest.Value)}?repository_url={Uri.EscapeDataString(image.Name)}", metadata["component"]!["purl"]!.GetValue<string>());
        Assert.Contains(metadata["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "trivy" && t["version"]!.GetValue<string>() == "0.44.1");
        Assert.True(summary.Components > shipped, $"{summary.Components} components counted");

        // The same digest again: the SBOM already written is kept (not exported and read again); another digest is not.
        var written = File.GetLastWriteTimeUtc(root / summary.Path);
        var again = Assert.Single((await stage.RunAsync([new ImageEntry("mcp-server", image.Name, "v1", digest, 0, null, 0, "test", null)], Ct)).Images);
        Assert.Equal(summary, again with { Licences = summary.Licences });
        Assert.Equal(summary.Licences, again.Licences);
        Assert.Equal(written, File.GetLastWriteTimeUtc(root / summary.Path));
        var (_, other) = await registry.PushImageAsync("sbom/mcp-server", "v2", RealTools.ImageFiles(withSecret: false));
        var replaced = Assert.Single((await stage.RunAsync([new ImageEntry("mcp-server", image.Name, "v2", other, 0, null, 0, "test", null)], Ct)).Images);
        Assert.Equal(other.Value, JsonNode.Parse(File.ReadAllText(root / replaced.Path))!["metadata"]!["component"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public void A_document_that_breaks_the_CycloneDX_schema_is_reported_with_its_location()
    {
        var errors = SbomValidator.Validate("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"spaceship","name":"x"}]}""");
        Assert.Contains(errors, e => e.StartsWith("/components/0/type", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_licence_id_is_rejected_by_the_spdx_schema()
    {
        var errors = SbomValidator.Validate("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"x","licenses":[{"license":{"id":"Not-A-Licence"}}]}]}""");
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Components_and_distinct_licences_are_counted_including_nested_ones()
    {
        var bom = JsonNode.Parse("""{"components":[{"name":"a","licenses":[{"license":{"id":"MIT"}}],"components":[{"name":"b","licenses":[{"expression":"MIT OR Apache-2.0"}]}]},{"name":"c","licenses":[{"license":{"id":"MIT"}}]}]}""")!.AsObject();
        var (components, licences) = SbomStage.Count(bom);
        Assert.Equal(3, components);
        Assert.Equal(["MIT", "MIT OR Apache-2.0"], licences);
    }
}
