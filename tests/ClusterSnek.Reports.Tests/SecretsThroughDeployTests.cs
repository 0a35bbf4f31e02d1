using System.Text;
using ClusterSnek.Pipeline;
using static ClusterSnek.Reports.Tests.SecretsThroughBuildTests;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The second half of the chain with the same planted secrets (<see cref="SecretsThroughBuildTests"/>): GenerateSigningKey, then
/// PackageCharts, Sign (the password-protected project key), VerifySignatures (the committed cosign.pub), Deploy on the podman
/// local runtime, Report and VerifyAudit, against a real registry. The four release images are tiny signed-to-be images pushed
/// by the test (no dotnet publish): podman pulls them with the run's registry credentials and they fail to start (they hold
/// one text file and no program), so Deploy fails on the local runtime with its diagnosis, and Verify, which Deploy triggers,
/// does not run after it (Verify is then run on its own). No form of any secret may appear in any file under artifacts/ or
/// .nuke/, in the output, or anywhere in the registry's storage (signatures, attestations, the chart, the audit anchor).
/// </summary>
[Collection("registry")]
public sealed class SecretsThroughDeployTests(RegistryFixture registry)
{
    static readonly string[] Services = ["frontend", "backend", "ai-agent", "mcp-server"];

    [Fact]
    public async Task No_form_of_a_secret_appears_after_Sign_VerifySignatures_Deploy_on_the_local_runtime_Verify_and_Report()
    {
        using var root = new BuildRoot();
        // podman keeps a short runroot under /tmp for storage in a deep folder: removed with the root.
        using var runRoot = new Cleanup(ClusterSnek.Tools.PodmanStorage.Under(root.Artifacts / "podman").RunRoot);
        foreach (var folder in new[] { "charts", "policies" }) CopyFolder(Fixture.RepositoryRoot / folder, root.Path / folder);
        File.CreateSymbolicLink(root.Path / ".nuke" / "tools", Fixture.RepositoryRoot / ".nuke" / "tools");
        var secrets = new Dictionary<string, string>
        {
            ["--registry-password (CLI)"] = NewSecret("registry"),
            ["--ai-key (CLI)"] = NewSecret("ai"),
            ["CLUSTERSNEK_SIGNING_KEY_PASSWORD (env)"] = NewSecret("signing"),
            ["GITHUB_TOKEN (env)"] = NewSecret("github"),
        };
        var environment = new Dictionary<string, string>
        {
            ["CLUSTERSNEK_SIGNING_KEY_PASSWORD"] = secrets["CLUSTERSNEK_SIGNING_KEY_PASSWORD (env)"],
            ["GITHUB_TOKEN"] = secrets["GITHUB_TOKEN (env)"],
            ["HOME"] = root.DevelopmentKeys.Parent,
        };
        var key = root.DevelopmentKeys.Parent / "project-key" / "cosign.key";
        var outputs = new List<(string, string)>();

        var (exit, output) = root.Run(["GenerateSigningKey", "--signing-key", key], environment);
        outputs.Add(("the output of GenerateSigningKey", output));
        Assert.True(exit == 0, output);

        // What BuildImages and Sbom leave for Sign: the images in the registry (under their release names: Scan and Promote are
        // skipped), recorded in pipeline.json, with an SBOM each.
        var tiny = TinyRegistry.On(registry.Client, registry.Host);
        var images = new List<ImageEntry>();
        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var service in Services) images.Add(await tiny.PushImageAsync(service, $"secrets-{run}/{service}", service));
        TinyRegistry.Record(root.Path, images);

        string[] credentials = ["--registry", registry.Host, "--registry-username", "ci", "--registry-password", secrets["--registry-password (CLI)"],
            "--ai-key", secrets["--ai-key (CLI)"], "--signing-key", key, "--no-wait"];
        (exit, output) = root.Run(["Deploy", "PackageCharts", "--skip", "Scan", "Sbom", "Promote", "PolicyTest", "--timeout", "20", .. credentials], environment);
        outputs.Add(("the output of Sign → Deploy", output));
        Assert.True(exit == 1, output);
        var record = PipelineDocument.Read(root.Artifacts / "pipeline.json");
        foreach (var target in new[] { "PackageCharts", "Sign", "VerifySignatures", "Report" })
            Assert.True(record.Target(target)!.Status == TargetStatus.Succeeded, $"{target}: {record.Target(target)!.Status}\n{output}");
        Assert.True(record.Target("Deploy")!.Status == TargetStatus.Failed, output);
        Assert.Contains("trust root: committed key", output);
        // Deploy got past the gate onto the local runtime: podman was called with this run's images.
        Assert.NotNull(record.Deployment);
        Assert.Equal(Services.Order(), record.Deployment.Images.Select(i => i.Service).Order());

        (exit, output) = root.Run(["Verify", .. credentials], environment);
        outputs.Add(("the output of Verify", output));
        Assert.True(PipelineDocument.Read(root.Artifacts / "pipeline.json").Target("Verify")!.Status == TargetStatus.Failed, output);

        var parameters = PipelineDocument.Read(root.Artifacts / "pipeline.json").Parameters;
        foreach (var name in new[] { "RegistryPassword", "AiKey", "SigningKeyPassword", "GitHubToken" })
            Assert.Equal(Redactor.Mask, parameters[name]!.GetValue<string>());

        foreach (var (where, text) in outputs) AssertNoForm(secrets, Encoding.UTF8.GetBytes(text), where);
        var files = new[] { root.Artifacts, root.Path / ".nuke" }
            .SelectMany(d => Directory.EnumerateFiles(d, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            .ToList();
        foreach (var expected in new[] { "pipeline.json", "report.html", "report.md", "audit.jsonl", "audit.head.json", "pipeline.log", "run-values.yaml" })
            Assert.Contains(files, f => Path.GetFileName(f) == expected);
        Assert.Contains(files, f => f.Contains("/artifacts/podman/", StringComparison.Ordinal)); // the local runtime's storage is searched too
        foreach (var file in files)
            AssertNoForm(secrets, File.ReadAllBytes(file), Path.GetRelativePath(root.Path, file));

        // Signatures, attestations (their provenance lists the run's parameters), the chart and the audit anchor left the checkout:
        // every blob and manifest the registry stores is searched too.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(registry.Directory, "data"), "*", SearchOption.AllDirectories))
            AssertNoForm(secrets, File.ReadAllBytes(file), "the registry's " + Path.GetRelativePath(registry.Directory, file));
    }

    sealed class Cleanup(string directory) : IDisposable
    {
        public void Dispose()
        {
            try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }
}
