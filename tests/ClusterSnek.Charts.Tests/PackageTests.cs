using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Charts.Tests;

public sealed class PackageTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);

    [Theory]
    [InlineData("0.1.0", "1a2b3c4d5e6f", false, "0.1.0+g1a2b3c4")]
    [InlineData("1.2.3-rc.1", "abcdef0", true, "1.2.3-rc.1+gabcdef0.dirty")]
    [InlineData("0.1.0+old", null, false, "0.1.0+nogit")]
    public void The_package_version_is_the_chart_version_plus_git_build_metadata(string chart, string? commit, bool dirty, string expected) =>
        Assert.Equal(expected, ChartVersion.WithBuildMetadata(chart, commit, dirty));

    [Fact]
    public void A_chart_version_that_is_not_semver_is_refused() =>
        Assert.Throws<ChartInputException>(() => ChartVersion.WithBuildMetadata("one", "abc"));

    static PackageRequest Request(string chart, string destination) => new(chart,
        Stack.Environments.ToDictionary(e => e.Name, e => Path.Combine(chart, Path.GetFileName(e.ValuesFile))),
        Stack.Services.Select(s => s.Name).ToList(), "1a2b3c4d5e6f7a8b", destination);

    [Fact]
    public async Task Packaging_lints_every_environment_and_writes_a_versioned_tgz()
    {
        var chart = Path.Combine(Repo.CopyCharts(), "clustersnek");
        var packaged = await new ChartPackager(new Helm(await Repo.HelmAsync())).PackageAsync(Request(chart, Repo.TempDirectory()));
        Assert.Equal(["dev", "staging", "prod"], packaged.LintedEnvironments);
        Assert.Equal("0.1.0+g1a2b3c4", packaged.Version);
        Assert.True(File.Exists(packaged.Path), packaged.Path);
    }

    [Fact]
    public async Task A_values_file_that_fails_the_schema_stops_packaging_before_a_package_is_written()
    {
        var chart = Path.Combine(Repo.CopyCharts(), "clustersnek");
        File.WriteAllText(Path.Combine(chart, "values-staging.yaml"), "global:\n  replicas: two\n");
        var destination = Repo.TempDirectory();
        var packager = new ChartPackager(new Helm(await Repo.HelmAsync()));
        var e = await Assert.ThrowsAsync<ChartInputException>(() => packager.PackageAsync(Request(chart, destination)));
        Assert.Contains("for staging", e.Message);
        Assert.Contains("replicas", e.Message);
        Assert.Empty(Directory.EnumerateFiles(destination, "*.tgz"));
    }

    [Fact]
    public async Task The_package_is_pushed_to_a_real_local_registry_over_plain_http()
    {
        var registry = await Toolchain.ForRoot(Repo.Root).ResolveAsync(ToolPins.Registry);
        var port = FreePort();
        var dir = Repo.TempDirectory();
        var config = Path.Combine(dir, "config.yml");
        File.WriteAllText(config, $"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {dir}/data\nhttp:\n  addr: 127.0.0.1:{port}\n");
        using var process = Process.Start(new ProcessStartInfo(registry.Path, ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            using var http = new HttpClient();
            await WaitForAsync(http, $"http://127.0.0.1:{port}/v2/");
            var helm = new Helm(await Repo.HelmAsync());
            var chart = Path.Combine(Repo.CopyCharts(), "clustersnek");
            var packaged = await new ChartPackager(helm).PackageAsync(Request(chart, Repo.TempDirectory()));
            var publisher = OciChartPublisher.For(helm, $"127.0.0.1:{port}");

            var reference = await publisher.PushAsync(packaged);

            Assert.Equal($"oci://127.0.0.1:{port}/charts/clustersnek:0.1.0_g1a2b3c4", reference);
            var tags = await http.GetStringAsync($"http://127.0.0.1:{port}/v2/charts/clustersnek/tags/list");
            Assert.Contains("0.1.0_g1a2b3c4", tags);
        }
        finally { process.Kill(); await process.WaitForExitAsync(); }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task WaitForAsync(HttpClient http, string url)
    {
        for (var i = 0; i < 100; i++)
        {
            try { if ((await http.GetAsync(url)).IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"registry at {url} did not start");
    }
}
