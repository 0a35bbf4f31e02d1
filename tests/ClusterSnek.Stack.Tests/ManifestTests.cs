namespace ClusterSnek.Stack.Tests;

public sealed class ManifestTests
{
    static string RepositoryManifest()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, StackManifest.FileName))) return Path.Combine(dir.FullName, StackManifest.FileName);
        throw new FileNotFoundException("clustersnek.yaml above the test output");
    }

    const string Minimal = """
        name: demo
        services:
          - name: api
            project: src/api
            port: 8081
        environments:
          dev:
            namespace: demo-dev
            values: values-dev.yaml
        """;

    static ManifestException Refused(string yaml) => Assert.Throws<ManifestException>(() => ManifestReader.Parse(yaml, "clustersnek.yaml"));

    [Fact]
    public void The_shipped_manifest_describes_four_services_and_three_environments()
    {
        var manifest = ManifestReader.Load(RepositoryManifest());
        Assert.Equal(["frontend", "backend", "ai-agent", "mcp-server"], manifest.Services.Select(s => s.Name));
        Assert.Equal(["dev", "staging", "prod"], manifest.Environments.Select(e => e.Name));
        Assert.Equal("clustersnek-prod", manifest.Environment("PROD").Namespace);
    }

    [Fact]
    public void Defaults_fill_what_a_minimal_manifest_leaves_out()
    {
        var manifest = ManifestReader.Parse(Minimal, "clustersnek.yaml");
        var api = Assert.Single(manifest.Services);
        Assert.Equal(("/healthz", "/readyz"), (api.HealthPath, api.ReadyPath));
        Assert.Equal(5000, manifest.Registry.PreferredPort);
        Assert.Equal("charts/clustersnek", manifest.Chart.Path);
        Assert.Equal(1, manifest.Environments[0].Replicas);
    }

    [Fact]
    public void An_unknown_key_is_named_with_its_line_and_column_and_the_expected_keys()
    {
        var e = Refused(Minimal.Replace("    port: 8081", "    port: 8081\n    prot: 9", StringComparison.Ordinal));
        Assert.Equal("clustersnek.yaml:6:5: unknown key 'prot'; expected one of: name, project, port, health, ready, dependsOn.", e.Message);
    }

    [Fact]
    public void A_port_out_of_range_names_the_line_and_the_range()
    {
        var e = Refused(Minimal.Replace("8081", "80", StringComparison.Ordinal));
        Assert.Equal("clustersnek.yaml:5:11: expected 'port' to be a whole number from 1024 to 65535, got '80'.", e.Message);
    }

    [Fact]
    public void A_missing_required_field_names_the_mapping_that_lacks_it()
    {
        var e = Refused(Minimal.Replace("    project: src/api\n", "", StringComparison.Ordinal));
        Assert.Equal("clustersnek.yaml:3:5: missing 'project' (text).", e.Message);
    }

    [Fact]
    public void Two_services_on_one_port_are_refused()
    {
        var e = Refused(Minimal.Replace("environments:", "  - name: web\n    project: src/web\n    port: 8081\nenvironments:", StringComparison.Ordinal));
        Assert.Equal("clustersnek.yaml:8:11: port 8081 is already used by service 'api'; each service needs its own port.", e.Message);
    }

    [Fact]
    public void Broken_yaml_syntax_is_reported_with_its_position()
    {
        var e = Refused("name: demo\nservices: [unclosed\n");
        Assert.StartsWith("clustersnek.yaml:3:1:", e.Message);
    }

    [Fact]
    public void An_unknown_environment_lists_the_defined_ones()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.Parse(Minimal, "clustersnek.yaml").Environment("qa"));
        Assert.Equal("clustersnek.yaml: no environment named 'qa'; defined: dev.", e.Message);
    }

    [Fact]
    public void A_dependency_on_an_unknown_service_is_refused()
    {
        var e = Refused(Minimal.Replace("    port: 8081", "    port: 8081\n    dependsOn: [db]", StringComparison.Ordinal));
        Assert.Equal("clustersnek.yaml: service 'api' depends on unknown service 'db'; defined: api.", e.Message);
    }

    const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void A_trusted_external_image_is_read_with_its_digest_key_and_line()
    {
        var manifest = ManifestReader.Parse(Minimal + $"""

            trustedImages:
              - image: ghcr.io/acme/wget@{Digest}
                publicKey: keys/acme.pub
            """, "clustersnek.yaml");

        Assert.Equal([new TrustedImage("ghcr.io/acme/wget", Digest, "keys/acme.pub", 11)], manifest.TrustedImages);
    }

    [Fact]
    public void A_trusted_image_named_by_tag_is_refused_with_its_line()
    {
        var e = Refused(Minimal + """

            trustedImages:
              - image: ghcr.io/acme/wget:1.36
                publicKey: keys/acme.pub
            """);

        Assert.Equal("clustersnek.yaml:11:12: trusted image 'ghcr.io/acme/wget:1.36' must be pinned by digest (repository@sha256:<64 hex>), " +
            "without a tag; a tag can be moved.", e.Message);
    }

    [Fact]
    public void A_trusted_image_with_a_tag_and_a_digest_is_refused()
    {
        var e = Refused(Minimal + $"""

            trustedImages:
              - image: 127.0.0.1:5000/acme/wget:1.36@{Digest}
                publicKey: keys/acme.pub
            """);

        Assert.Contains("must be pinned by digest", e.Message);
    }

    [Fact]
    public void A_trusted_image_without_a_public_key_is_refused()
    {
        var e = Refused(Minimal + $"""

            trustedImages:
              - image: ghcr.io/acme/wget@{Digest}
            """);

        Assert.Equal("clustersnek.yaml:11:5: missing 'publicKey' (text).", e.Message);
    }
}
