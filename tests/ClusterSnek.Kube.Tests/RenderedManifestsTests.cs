using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Kube.Tests;

/// <summary>The rendered release as the local runtime gets it.</summary>
public sealed class RenderedManifestsTests
{
    const string Image = "127.0.0.1:5000/clustersnek/web@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Fact]
    public void The_local_runtime_gets_only_what_podman_runs_without_ports_probes_or_service_accounts()
    {
        var local = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", Image, 18080), "test release").ForLocalRuntime();

        Assert.Equal(["Namespace/clustersnek-dev", "ServiceAccount/web", "Service/web", "NetworkPolicy/default-deny", "Pod/web-test"], local.Dropped);
        Assert.Equal("Deployment web (web): web=" + Image, string.Join(", ", local.Workloads.Select(w => $"{w.Kind} {w.Name} ({w.Service}): {string.Join(",", w.Containers.Select(c => c.Container + "=" + c.Image))}")));
        Assert.Equal("web-db", Assert.Single(local.Secrets).Name);
        Expect.MatchesFile(local.Text, "local-release.yaml");
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_origin_and_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RenderedManifests.Parse("kind: Pod\nmetadata:\n  name: [unclosed\n", "charts/clustersnek (helm template)"));

        Assert.StartsWith("charts/clustersnek (helm template):", error.Message);
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void A_document_without_kind_is_rejected_with_its_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RenderedManifests.Parse("---\nkind: ConfigMap\nmetadata: {name: a}\n---\nmetadata: {name: b}\n", "rendered.yaml"));

        Assert.Equal("rendered.yaml:5: a document without kind and metadata.name; render the chart with helm template.", error.Message);
    }

    static JsonNode? Value(string yaml) =>
        RenderedManifests.Parse($"kind: ConfigMap\nmetadata:\n  name: c\nvalue: {yaml}\n", "test").Documents[0]["value"];

    [Fact]
    public void A_plain_1_10_stays_1_10_instead_of_becoming_1_1()
    {
        var version = Value("1.10")!;
        Assert.Equal(JsonValueKind.Number, version.GetValueKind());
        Assert.Equal("1.10", version.ToJsonString());
    }

    [Fact]
    public void A_quoted_number_is_a_string()
    {
        Assert.Equal("\"1.10\"", Value("\"1.10\"")!.ToJsonString());
        Assert.Equal("\"1.10\"", Value("'1.10'")!.ToJsonString());
    }

    [Theory]
    [InlineData("on")]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("No")]
    [InlineData("y")]
    public void YAML_1_1_booleans_are_strings_in_YAML_1_2(string plain) =>
        Assert.Equal(JsonValue.Create(plain).ToJsonString(), Value(plain)!.ToJsonString());

    [Theory]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("0o17", "15")]
    [InlineData("0x1F", "31")]
    [InlineData("017", "17")]
    [InlineData("+12", "12")]
    [InlineData("-3", "-3")]
    [InlineData(".5", "0.5")]
    [InlineData("1.", "1.0")]
    [InlineData("1e3", "1e3")]
    [InlineData("12345678901234567890123", "12345678901234567890123")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("0o19", "\"0o19\"")]
    [InlineData("e5", "\"e5\"")]
    [InlineData("12:30", "\"12:30\"")]
    public void Plain_scalars_are_typed_by_the_YAML_1_2_core_schema(string plain, string json) =>
        Assert.Equal(json, Value(plain)!.ToJsonString());

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("")]
    public void Null_forms_are_null(string plain) => Assert.Null(Value(plain));

    [Fact]
    public void An_explicit_string_tag_keeps_a_number_a_string() => Assert.Equal("\"1.10\"", Value("!!str 1.10")!.ToJsonString());

    [Fact]
    public void Infinity_is_refused_with_its_line_because_JSON_cannot_hold_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Value(".inf"));
        Assert.Equal("test:4: .inf is a float JSON cannot hold (kubectl refuses it too); quote it if it is meant as text.", error.Message);
    }

    [Fact]
    public void The_local_runtime_gets_numbers_with_their_text()
    {
        var yaml = "kind: ConfigMap\nmetadata:\n  name: versions\ndata:\n  chart: \"1.10\"\nbinaryData: {}\nimmutable: false\nextra:\n  ratio: 1.10\n";
        var text = RenderedManifests.Parse(yaml, "test").ForLocalRuntime().Text;
        Assert.Contains("\"chart\": \"1.10\"", text, StringComparison.Ordinal);
        Assert.Contains("\"ratio\": 1.10", text, StringComparison.Ordinal);
    }
}

/// <summary>How the local runtime reads and runs a release's helm test Pods (the podman runs are in LocalRuntimeTests).</summary>
public sealed class LocalTestHooksTests
{
    [Fact]
    public void Test_pods_are_read_with_their_command_user_and_memory_limit()
    {
        var manifests = RenderedManifests.Parse(LocalRuntimeFixture.Rendered("web", "127.0.0.1:5000/web@sha256:" + new string('a', 64), 18200), "rendered.yaml");

        var hook = Assert.Single(LocalTestHooks.Of(manifests));

        Assert.Equal(new LocalTestHook("web-test", "web", "127.0.0.1:5000/web@sha256:" + new string('a', 64), null, [], "65532", "33554432b"),
            hook with { Command = null, Args = [] });
        Assert.Equal(["/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://web:18200/healthz"], hook.Command);
    }

    [Theory]
    [InlineData("http://backend:18181/healthz", "http://127.0.0.1:18181/healthz")]
    [InlineData("http://backend.clustersnek-dev.svc.cluster.local:18181/x", "http://127.0.0.1:18181/x")]
    [InlineData("http://example.com:80/", "http://example.com:80/")]
    [InlineData("probe", "probe")]
    public void A_url_at_one_of_the_release_s_services_is_called_on_loopback(string argument, string expected) =>
        Assert.Equal(expected, LocalTestHooks.Local(argument, ["backend", "frontend"]));

    [Theory]
    [InlineData("96Mi", "100663296b")]
    [InlineData("1Gi", "1073741824b")]
    [InlineData("128M", "128000000b")]
    [InlineData("65536", "65536b")]
    [InlineData(null, null)]
    public void Memory_limits_become_podman_s_units(string? quantity, string? expected) =>
        Assert.Equal(expected, LocalTestHooks.PodmanMemory(quantity));
}
