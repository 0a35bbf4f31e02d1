namespace ClusterSnek.Policies.Tests;

public sealed class ManifestIndexTests
{
    const string TwoDocuments = """
        ---
        # Source: x
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: backend
          namespace: shop
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: backend
          namespace: shop
        spec:
          template:
            spec:
              containers:
                - name: app
                  image: x
        """;

    [Fact]
    public void A_line_inside_a_document_names_its_resource()
    {
        var dir = Repo.TempDirectory();
        var file = Path.Combine(dir, "m.yaml");
        File.WriteAllText(file, TwoDocuments);
        var index = ManifestIndex.Build(file);
        Assert.Equal("Deployment/shop/backend", index.At("m.yaml", 18)?.Resource);
        Assert.Equal("ServiceAccount/shop/backend", index.At("m.yaml", 5)?.Resource);
    }

    [Fact]
    public void A_document_level_finding_on_the_separator_line_names_the_next_document()
    {
        var dir = Repo.TempDirectory();
        var file = Path.Combine(dir, "m.yaml");
        File.WriteAllText(file, TwoDocuments);
        Assert.Equal("Deployment/shop/backend", ManifestIndex.Build(file).At("m.yaml", 8)?.Resource);
    }

    [Fact]
    public void Invalid_yaml_names_the_file_and_line()
    {
        var dir = Repo.TempDirectory();
        var file = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(file, "kind: Pod\nmetadata: [\n");
        var e = Assert.Throws<PolicyInputException>(() => ManifestIndex.Build(file));
        Assert.StartsWith(file + ":", e.Message);
    }
}
