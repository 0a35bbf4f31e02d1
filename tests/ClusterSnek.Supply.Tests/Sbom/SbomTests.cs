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
