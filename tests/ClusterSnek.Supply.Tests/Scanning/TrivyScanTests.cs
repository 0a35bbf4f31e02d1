using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Scanning;

namespace ClusterSnek.Supply.Tests.Scanning;

/// <summary>The Scan stage with the real trivy and skopeo on a real image in the real registry, and a test repository folder.</summary>
[Collection("trivy")]
public sealed class TrivyScanTests(RegistryFixture registry) : IDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    readonly AbsolutePath root = new(Path.Combine(Path.GetTempPath(), "clustersnek-scan-" + Guid.NewGuid().ToString("N")[..8]));

    public void Dispose() { try { Directory.Delete(root, recursive: true); } catch (IOException) { } }

    async Task<(ScanStage Stage, ImageEntry Image)> PrepareAsync(bool secretInImage, bool requireVulns = false, string? exceptions = null)
    {
        root.CreateDirectory();
        var (image, digest) = await registry.PushImageAsync("scan/backend", "v1", RealTools.ImageFiles(secretInImage));
        if (exceptions is not null) { (root / "policies").CreateDirectory(); await File.WriteAllTextAsync(root / "policies" / "exceptions.yaml", exceptions, Ct); }
        var options = new ScanOptions(root, root / "artifacts" / "scan", new GateOptions(GateOptions.DefaultFailOn, false, requireVulns),
            root / "policies" / "exceptions.yaml", null, RealTools.TrivyCache);
        return (new ScanStage(await RealTools.TrivyAsync(), await RealTools.SkopeoAsync(), options), new ImageEntry("backend", image.Name, "v1", digest, 0, null, 0, "test", null));
    }

    static JsonNode Report(AbsolutePath root, string subject) => JsonNode.Parse(File.ReadAllText(root / "artifacts" / "scan" / (subject + ".json")))!;

    [Fact]
    public async Task Secret_scanning_finds_a_planted_key_in_the_image_that_carries_it_and_blocks_it()
    {
        var (stage, image) = await PrepareAsync(secretInImage: true);
        var e = await Assert.ThrowsAsync<ScanFailedException>(async () => (await stage.RunAsync([image], includeRepository: false, Ct)).EnsurePassed("artifacts/scan"));
        Assert.StartsWith("Scan gate failed: backend: 1 finding(s) at CRITICAL/HIGH", e.Message, StringComparison.Ordinal);
        var blocking = Assert.Single(Report(root, "backend")["gate"]!["blocking"]!.AsArray());
        Assert.Equal(("github-pat", "/app/settings.txt"), (blocking!["id"]!.GetValue<string>(), blocking["target"]!.GetValue<string>()));
        Assert.Contains("github-pat", File.ReadAllText(root / "artifacts" / "scan" / "backend.sarif"), StringComparison.Ordinal);
        Assert.DoesNotContain(RealTools.FakeToken, File.ReadAllText(root / "artifacts" / "scan" / "backend.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_and_config_scanning_find_a_planted_key_and_a_misconfiguration_in_the_repository()
    {
        var (stage, image) = await PrepareAsync(secretInImage: false);
        (root / "deploy").CreateDirectory();
        await File.WriteAllTextAsync(root / "deploy" / "settings.env", $"GITHUB_TOKEN={RealTools.FakeToken}\n", Ct);
        await File.WriteAllTextAsync(root / "deploy" / "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: nginx\n      securityContext:\n        privileged: true\n", Ct);

        var e = await Assert.ThrowsAsync<ScanFailedException>(async () => (await stage.RunAsync([image], includeRepository: true, Ct)).EnsurePassed("artifacts/scan"));
        Assert.Contains("repository:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("backend:", e.Message, StringComparison.Ordinal);
        var findings = Report(root, "repository")["findings"]!.AsArray();
        Assert.Contains(findings, f => f!["id"]!.GetValue<string>() == "github-pat" && f["target"]!.GetValue<string>() == "deploy/settings.env");
        Assert.Contains(findings, f => f!["kind"]!.GetValue<string>() == "misconfiguration" && f["target"]!.GetValue<string>() == "deploy/pod.yaml");
    }

    [Fact]
    public async Task An_exception_in_the_reviewed_file_lets_the_planted_key_through()
    {
        var (stage, image) = await PrepareAsync(secretInImage: true, exceptions: "exceptions:\n  - id: github-pat\n    path: app/settings.txt\n    reason: test fixture token\n    expires: 2099-01-01\n    approvedBy: supply-tests\n");
        var results = await stage.RunAsync([image], includeRepository: false, Ct);
        var scan = Assert.Single(results.Subjects);
        Assert.True(results.Record.Passed);
        Assert.Equal(["github-pat"], Assert.Single(results.Record.Images).Exceptions.Select(x => x.Id));
        Assert.True(scan.Decision.Passed);
        Assert.Equal("github-pat", Assert.Single(scan.Decision.Excepted).Finding.Id);
    }

    [Fact]
    public async Task Offline_the_vulnerability_part_reports_itself_as_not_run_with_what_to_do()
    {
        var (stage, image) = await PrepareAsync(secretInImage: false);
        var run = await stage.RunAsync([image], includeRepository: false, Ct);
        var scan = Assert.Single(run.Subjects);
        Assert.False(Assert.Single(run.Record.Images).VulnerabilityScan.Ran);
        Assert.Equal(image.Digest, run.Record.Images[0].Digest);
        Assert.False(scan.Vulnerabilities.Ran);
        Assert.StartsWith("no vulnerability database (offline)", scan.Vulnerabilities.Reason, StringComparison.Ordinal);
        Assert.Contains("--trivy-db-repository", scan.Vulnerabilities.Reason, StringComparison.Ordinal);
        Assert.StartsWith("not run: no vulnerability database (offline)", Report(root, "backend")["vulnerabilityScan"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requiring_the_vulnerability_scan_turns_the_offline_case_into_a_failure()
    {
        var (stage, image) = await PrepareAsync(secretInImage: false, requireVulns: true);
        var e = await Assert.ThrowsAsync<ScanFailedException>(async () => (await stage.RunAsync([image], includeRepository: false, Ct)).EnsurePassed("artifacts/scan"));
        Assert.Contains("backend: vulnerability scan required (--require-vuln-scan) but not run: no vulnerability database (offline)", e.Message, StringComparison.Ordinal);
    }
}
