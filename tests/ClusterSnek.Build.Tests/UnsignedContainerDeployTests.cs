using ClusterSnek.Pipeline;
using ClusterSnek.Supply.Signing;
using ClusterSnek.Tools;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// Issue #14's unsigned initContainer and unsigned hook image, refused through the compiled build: <c>Deploy</c> (with
/// VerifySignatures in the same run, as the chain runs it) in a throwaway root whose chart is the project's with two additions —
/// the backend Deployment gets an initContainer and a <c>helm.sh/hook: pre-install</c> Job is added, both running images that were
/// pushed to the registry but never signed. The frontend Deployment gets an initContainer running a trusted external image
/// (clustersnek.yaml trustedImages, pinned by digest, signed by its own key), which must pass. The release's four images are
/// tiny signed images (no dotnet publish): the gate refuses before any podman call, so they never have to run.
/// </summary>
public sealed class UnsignedContainerDeployTests(UnsignedContainerImages images) : IClassFixture<UnsignedContainerImages>
{
    /// <summary>Deploy's own one-line reason (the summary table and the report repeat it).</summary>
    const string DeployFailed = "[Deploy] ERR Deploy failed: Refusing to deploy, nothing was started: ";

    [Fact]
    public void An_unsigned_initContainer_and_an_unsigned_hook_image_are_refused_by_Deploy_and_nothing_starts_but_a_trusted_external_initContainer_passes()
    {
        using var root = images.Root(declareTrusted: true);
        var (exit, output) = images.Deploy(root);

        Assert.True(exit != 0, output);
        var refusal = Assert.Single(output.Split('\n'), l => l.Contains(DeployFailed, StringComparison.Ordinal));
        Assert.Contains($"Deployment/backend initContainer tamper-init image {images.UnsignedInit}: not an image this run built, signed and verified, "
            + "nor a trusted image of clustersnek.yaml", refusal, StringComparison.Ordinal);
        Assert.Contains($"Job/tamper-pre-install (helm hook pre-install) container migrate image {images.UnsignedHook}: not an image this run built",
            refusal, StringComparison.Ordinal);
        // The declared, verified external image is not among the refused ones (the second test shows the same template renders it).
        Assert.DoesNotContain(images.Trusted, refusal, StringComparison.Ordinal);
        Assert.Contains($"verified trusted external image: {images.Trusted}", output, StringComparison.Ordinal);
        images.AssertNothingStarted(root, output);
    }

    [Fact]
    public void The_same_external_initContainer_is_refused_when_clustersnek_yaml_does_not_declare_it()
    {
        using var root = images.Root(declareTrusted: false);
        var (exit, output) = images.Deploy(root);

        Assert.True(exit != 0, output);
        var refusal = Assert.Single(output.Split('\n'), l => l.Contains(DeployFailed, StringComparison.Ordinal));
        Assert.Contains($"Deployment/frontend initContainer vendor-init image {images.Trusted}: not an image this run built, signed and verified, "
            + "nor a trusted image of clustersnek.yaml", refusal, StringComparison.Ordinal);
        images.AssertNothingStarted(root, output);
    }
}

/// <summary>
/// A real docker-registry with the release's four images (signed with the release key, with SBOM and provenance attestations),
/// two images pushed but never signed, and one external image signed with another key; the project's charts copied once, with
/// the test's additions, and dependency-built with the pinned helm.
/// </summary>
public sealed class UnsignedContainerImages : IAsyncLifetime
{
    static readonly string[] Services = ["frontend", "backend", "ai-agent", "mcp-server"];
    readonly AbsolutePath work = new(Directory.CreateTempSubdirectory("clustersnek-unsigned-").FullName);
    readonly SigningKey releaseKey = SigningKey.Generate();
    readonly SigningKey vendorKey = SigningKey.Generate();
    readonly List<ImageEntry> release = [];
    TinyRegistry registry = null!;

    public string UnsignedInit { get; private set; } = "";
    public string UnsignedHook { get; private set; } = "";
    public string Trusted { get; private set; } = "";
    AbsolutePath Charts => work / "charts";
    AbsolutePath ReleaseKey => work / "keys" / "release.pub";
    static AbsolutePath Repository => PipelineBuild.RootDirectory;

    public async ValueTask InitializeAsync()
    {
        (work / "keys").CreateDirectory();
        await File.WriteAllTextAsync(ReleaseKey, releaseKey.Public.Pem);
        await File.WriteAllTextAsync(work / "keys" / "vendor.pub", vendorKey.Public.Pem);
        registry = await TinyRegistry.StartAsync(work / "registry");
        foreach (var service in Services)
        {
            var entry = await registry.PushImageAsync(service, "clustersnek/" + service, service);
            await registry.SignAsync(entry, releaseKey);
            release.Add(entry);
        }
        UnsignedInit = (await registry.PushImageAsync("unsigned-init", "thirdparty/unsigned-init", "init")).Pinned.Pinned;
        UnsignedHook = (await registry.PushImageAsync("unsigned-hook", "thirdparty/unsigned-hook", "hook")).Pinned.Pinned;
        var vendor = await registry.PushImageAsync("wget", "vendor/wget", "wget");
        await new ImageSigner(registry.Client, vendorKey).SignAsync(vendor.Repository, vendor.Digest, [], TestContext.Current.CancellationToken);
        Trusted = vendor.Pinned.Pinned;
        await PrepareChartsAsync();
    }

    /// <summary>The project's charts plus the test's initContainers and pre-install hook, dependency-built once for every root.</summary>
    async Task PrepareChartsAsync()
    {
        foreach (var file in Directory.EnumerateFiles(Repository / "charts", "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repository / "charts", file);
            if (relative.StartsWith("clustersnek/charts/", StringComparison.Ordinal) || relative == "clustersnek/Chart.lock") continue;
            var target = Charts / relative;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var deployment = Charts / "common" / "templates" / "_deployment.tpl";
        var text = await File.ReadAllTextAsync(deployment);
        const string Containers = "      containers:\n        - name: {{ $name }}\n";
        Assert.Contains(Containers, text, StringComparison.Ordinal); // the chart changed: adapt where the test adds its initContainers
        await File.WriteAllTextAsync(deployment, text.Replace(Containers, $$$"""
                  {{- if eq $name "backend" }}
                  initContainers:
                    - name: tamper-init
                      image: {{{UnsignedInit}}}
                  {{- end }}
                  {{- if eq $name "frontend" }}
                  initContainers:
                    - name: vendor-init
                      image: {{{Trusted}}}
                  {{- end }}

            """ + Containers, StringComparison.Ordinal));
        await File.WriteAllTextAsync(Charts / "clustersnek" / "templates" / "tamper-hook.yaml", $"""
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: tamper-pre-install
              namespace: {"{{ .Release.Namespace }}"}
              annotations:
                "helm.sh/hook": pre-install
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: migrate
                      image: {UnsignedHook}
            """);
        var toolchain = Toolchain.ForRoot(Repository);
        await toolchain.ResolveAsync(ToolPins.Trivy, TestContext.Current.CancellationToken); // installed once in the repository's .nuke/tools; each root links it
        var helm = new Helm(await toolchain.ResolveAsync(ToolPins.Helm, TestContext.Current.CancellationToken));
        var built = await helm.DependencyBuildAsync(Charts / "clustersnek", TestContext.Current.CancellationToken);
        Assert.True(built.Succeeded, built.ToString());
    }

    /// <summary>
    /// A throwaway root: the project's clustersnek.yaml (with the external image declared, or not), the prepared charts, the
    /// attestation policies, the project's tools linked in, and a pipeline.json recording the release's four images.
    /// </summary>
    public ThrowawayRoot Root(bool declareTrusted)
    {
        var manifest = File.ReadAllText(Repository / "clustersnek.yaml");
        if (declareTrusted) manifest += $"\ntrustedImages:\n  - image: {Trusted}\n    publicKey: keys/vendor.pub\n";
        var root = new ThrowawayRoot(manifest);
        File.CreateSymbolicLink(root.Path / ".nuke" / "tools", Repository / ".nuke" / "tools");
        Directory.CreateSymbolicLink(root.Path / "charts", Charts);
        (root.Path / "keys").CreateDirectory();
        File.Copy(work / "keys" / "vendor.pub", root.Path / "keys" / "vendor.pub");
        var rego = root.Path / "policies" / "attestations" / "rego";
        rego.CreateDirectory();
        foreach (var file in Directory.EnumerateFiles(Repository / "policies" / "attestations" / "rego")) File.Copy(file, rego / Path.GetFileName(file));
        TinyRegistry.Record(root.Path, release);
        return root;
    }

    /// <summary>./build.sh Deploy with VerifySignatures in the run; Sign and PolicyTest (and what they depend on) are skipped.</summary>
    public (int Exit, string Output) Deploy(ThrowawayRoot root) =>
        root.Run(["Deploy", "--skip", "Sign", "PolicyTest", "--registry", registry.Host, "--signing-public-key", ReleaseKey, "--no-wait"],
            new Dictionary<string, string> { ["HOME"] = (work / "home").CreateDirectory() }); // the development key, outside the root

    /// <summary>VerifySignatures ran and passed; Deploy failed before the local runtime was touched; Verify did not run.</summary>
    public void AssertNothingStarted(ThrowawayRoot root, string output)
    {
        var record = PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json");
        Assert.True(record.Target("VerifySignatures")!.Status == TargetStatus.Succeeded, output);
        Assert.Equal(TargetStatus.Failed, record.Target("Deploy")!.Status);
        Assert.Equal(TargetStatus.NotRun, record.Target("Verify")!.Status);
        Assert.Null(record.Deployment);
        // The local runtime keeps its podman storage under artifacts/podman: no podman call was made, so it was never created.
        Assert.False(Directory.Exists(root.Path / "artifacts" / "podman"), "artifacts/podman exists: the local runtime was called");
        var releases = root.Path / "artifacts" / "releases";
        Assert.Empty(Directory.Exists(releases) ? Directory.EnumerateFiles(releases, "manifests.yaml", SearchOption.AllDirectories) : []);
        Assert.False(File.Exists(releases / "dev" / "current"), "the release has a current revision");
    }

    public async ValueTask DisposeAsync()
    {
        releaseKey.Dispose();
        vendorKey.Dispose();
        await registry.DisposeAsync();
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }
}
