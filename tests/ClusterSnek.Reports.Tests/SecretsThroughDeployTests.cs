using System.Text;
using ClusterSnek.Pipeline;
using static ClusterSnek.Reports.Tests.SecretsThroughBuildTests;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The second half of the chain with the same planted secrets (<see cref="SecretsThroughBuildTests"/>): GenerateSigningKey, then
/// PackageCharts, Sign (the password-protected project key), VerifySignatures (the committed cosign.pub), Deploy on the podman
/// local runtime, Verify (which Deploy triggers), Report and VerifyAudit, in one run against a real registry; then Down. The four
/// release images are the local-runtime tests' busybox image (<c>TestImage</c>), one digest per service, pushed by the test in
/// place of BuildImages (no dotnet publish): podman pulls them with the run's registry credentials, the release starts, and
/// Verify checks it. Only helm test pods are switched off (a values file): they run the service's own binary, which busybox is
/// not. No form of any secret may appear in the outputs, in any regular file under artifacts/ (the podman storage and the
/// release's revisions included) or .nuke/, or anywhere in the registry's storage (signatures, attestations, chart, audit anchor).
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
        var (secrets, environment) = Planted();
        environment["HOME"] = root.DevelopmentKeys.Parent;
        var key = root.DevelopmentKeys.Parent / "project-key" / "cosign.key";
        var outputs = new List<(string, string)>();

        var (exit, output) = root.Run(["GenerateSigningKey", "--signing-key", key], environment);
        outputs.Add(("the output of GenerateSigningKey", output));
        Assert.True(exit == 0, output);

        // What BuildImages and Sbom leave for Sign: the images in the registry (under their release names: Scan and Promote are
        // skipped), recorded in pipeline.json, with an SBOM each. Each is the local-runtime tests' busybox image (httpd answering
        // /readyz, /healthz and /api/chain), labelled as its service: a release that starts, in seconds, with no dotnet publish.
        var tiny = TinyRegistry.On(registry.Client, registry.Host);
        var layout = await ClusterSnek.Kube.Tests.TestImage.LayoutAsync(TestContext.Current.CancellationToken);
        var images = new List<ImageEntry>();
        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var service in Services) images.Add(await tiny.PushLayoutAsync(service, $"secrets-{run}/{service}", layout));
        TinyRegistry.Record(root.Path, images);

        // helm test pods run the app's own binary as `<service> probe <url>`; busybox has no such command: they are left out.
        File.WriteAllText(root.Path / "no-tests.yaml", "global:\n  tests:\n    enabled: false\n");
        string[] credentials = ["--registry", registry.Host, "--registry-username", "ci", "--registry-password", secrets["--registry-password (CLI)"],
            "--ai-key", secrets["--ai-key (CLI)"], "--signing-key", key, "--no-wait"];
        try
        {
            (exit, output) = root.Run(["Deploy", "PackageCharts", "--skip", "Scan", "Sbom", "Promote", "PolicyTest", "--timeout", "30", "--values", "no-tests.yaml", .. credentials], environment);
            outputs.Add(("the output of Sign → Deploy → Verify", output));
            var record = PipelineDocument.Read(root.Artifacts / "pipeline.json");
            foreach (var target in new[] { "PackageCharts", "Sign", "VerifySignatures", "Deploy", "Verify", "Report", "VerifyAudit" })
                Assert.True(record.Target(target)!.Status == TargetStatus.Succeeded, $"{target}: {record.Target(target)!.Status}\n{output}");
            Assert.True(exit == 0, output); // Report says "not shippable yet" (no scan gate decision: Scan was skipped); the run itself passes
            Assert.Contains("trust root: committed key", output);
            Assert.Equal(Services.Order(), record.Deployment!.Images.Select(i => i.Service).Order());
            Assert.True(record.Verification!.Passed, output);
            foreach (var name in new[] { "RegistryPassword", "AiKey", "SigningKeyPassword", "GitHubToken" })
                Assert.Equal(Redactor.Mask, record.Parameters[name]!.GetValue<string>());
            AssertNothingLeaked(root, secrets, outputs);
        }
        finally
        {
            var (_, down) = root.Run(["Down", "--no-wait"], environment); // the release Deploy started
            AssertNoForm(secrets, Encoding.UTF8.GetBytes(down), "the output of Down");
        }
    }

    /// <summary>Every output, every file under artifacts/ (the podman storage too) and .nuke/, and every file the registry stores.</summary>
    void AssertNothingLeaked(BuildRoot root, Dictionary<string, string> secrets, List<(string Where, string Text)> outputs)
    {
        foreach (var (where, text) in outputs) AssertNoForm(secrets, Encoding.UTF8.GetBytes(text), where);
        var files = RegularFiles(root.Artifacts).Concat(RegularFiles(root.Path / ".nuke")).ToList();
        foreach (var expected in new[] { "pipeline.json", "report.html", "report.md", "audit.jsonl", "audit.head.json", "pipeline.log", "run-values.yaml", "routes.json" })
            Assert.Contains(files, f => Path.GetFileName(f) == expected);
        Assert.Contains(files, f => f.Contains("/artifacts/podman/", StringComparison.Ordinal));
        foreach (var file in files) AssertNoForm(secrets, File.ReadAllBytes(file), Path.GetRelativePath(root.Path, file));

        // Signatures, attestations (their provenance lists the run's parameters), the chart and the audit anchor left the checkout.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(registry.Directory, "data"), "*", SearchOption.AllDirectories))
            AssertNoForm(secrets, File.ReadAllBytes(file), "the registry's " + Path.GetRelativePath(registry.Directory, file));
    }

    /// <summary>
    /// The regular files under a folder, symbolic links not followed (.nuke/tools links to the repository's tools). podman's
    /// storage also holds FIFOs, sockets and a block device, which block or fail a read: `find -type f` leaves them out.
    /// </summary>
    static IReadOnlyList<string> RegularFiles(string directory)
    {
        var info = new System.Diagnostics.ProcessStartInfo("find", [directory, "-type", "f", "-print0"]) { RedirectStandardOutput = true };
        using var find = System.Diagnostics.Process.Start(info)!;
        var listed = find.StandardOutput.ReadToEnd();
        find.WaitForExit();
        Assert.True(find.ExitCode == 0, $"find {directory}: exit {find.ExitCode}");
        return listed.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    sealed class Cleanup(string directory) : IDisposable
    {
        public void Dispose()
        {
            try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }
}
