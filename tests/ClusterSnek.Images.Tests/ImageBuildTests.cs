using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

namespace ClusterSnek.Images.Tests;

/// <summary>Real builds into the fixture's registry: the offline base, the Dockerfile path, and the failures that must push nothing.</summary>
[Collection("registry")]
public sealed class ImageBuildTests(RegistryFixture fixture)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static readonly SourceInfo Source = new("https://example.test/clustersnek", "feedfacecafebeef0000", DateTimeOffset.UtcNow);

    static StackManifest Manifest(params ServiceSpec[] services) => new("test", new RegistrySettings("clustersnek", 5000, "base/dotnet-deps"),
        services, [new EnvironmentSpec("dev", "dev", "values.yaml", 1)], new ChartSettings("charts/x", "x"), new SigningSettings("cosign.pub", "keys"),
        new PolicySettings("policies", "policies/exceptions.yaml", ["127.0.0.1"]));

    static ServiceSpec Service(string name, string project, int port = 18080) => new(name, project, port, "/healthz", "/readyz", []);

    [Fact]
    public async Task The_base_image_is_built_from_the_lock_as_uid_65532_with_package_records_and_reused_when_unchanged()
    {
        var tools = await fixture.Tools.BaseAsync(Ct);
        var builder = new BaseImageBuilder(tools, (fixture.Directory / "base").CreateDirectory());
        var packages = new ImageBuildRequest(Repo.Root, ManifestReader.Load(Repo.Root / StackManifest.FileName), fixture.Endpoint, Source, false).ReadBaseLock();

        var first = await builder.EnsureAsync(packages, fixture.Endpoint, "base/dotnet-deps", Source, Ct);
        var second = await builder.EnsureAsync(packages, fixture.Endpoint, "base/dotnet-deps", Source, Ct);

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(first.Digest, second.Digest);
        var config = await ReadConfigAsync($"base/dotnet-deps", first.Digest);
        Assert.Equal("65532:65532", config.GetProperty("config").GetProperty("User").GetString());
        // The base depends on packages.lock, not on the commit: no revision label, the lock's key instead, times at 1970.
        var labels = config.GetProperty("config").GetProperty("Labels");
        Assert.False(labels.TryGetProperty("org.opencontainers.image.revision", out _));
        Assert.Equal(64, labels.GetProperty("org.clustersnek.packages-lock").GetString()!.Length);
        Assert.Equal("1970-01-01T00:00:00Z", config.GetProperty("created").GetString());
        var files = await LayerFilesAsync("base/dotnet-deps", first.Digest);
        Assert.Contains("var/lib/dpkg/status.d/libc6", files);
        Assert.Contains("etc/ssl/certs/ca-certificates.crt", files);
        Assert.DoesNotContain(files, f => f is "bin/sh" or "usr/bin/sh" or "bin/bash" or "usr/bin/apt-get");
    }

    [Fact]
    public async Task A_service_with_a_Dockerfile_is_built_with_buildah_labelled_and_pushed()
    {
        var root = new AbsolutePath(AppContext.BaseDirectory);
        var request = new ImageBuildRequest(root, Manifest(Service("fixture", "Fixtures/dockerfile-service")), fixture.Endpoint, Source, Smoke: false)
        { WorkDirectory = fixture.Directory / "work-dockerfile" };

        var images = await new ImageBuild(fixture.Tools).RunAsync(request, Ct);

        var image = Assert.Single(images);
        Assert.Equal("buildah", image.Builder);
        Assert.Equal($"{fixture.Endpoint.Address}/clustersnek/fixture", image.Reference);
        Assert.Equal($"{fixture.Endpoint.Address}/clustersnek/staging/fixture", image.Staging);
        Assert.StartsWith("sha256:", image.Digest.Value);
        Assert.Null(image.BaseDigest);
        // Pushed to staging only: the release repository is Promote's to write, after the scan gate.
        Assert.DoesNotContain("clustersnek/fixture", await fixture.CatalogAsync());
        var config = await ReadConfigAsync("clustersnek/staging/fixture", image.Digest.Value);
        var labels = config.GetProperty("config").GetProperty("Labels");
        Assert.Equal("dockerfile", labels.GetProperty("org.clustersnek.fixture").GetString());
        Assert.Equal(Source.Revision, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("fixture", labels.GetProperty("org.opencontainers.image.title").GetString());
        Assert.Contains("hello.txt", await LayerFilesAsync("clustersnek/staging/fixture", image.Digest.Value));
    }

    [Fact]
    public async Task An_unchanged_service_keeps_its_image_a_changed_one_is_rebuilt_and_a_forged_record_is_not_trusted()
    {
        var root = new AbsolutePath(Directory.CreateTempSubdirectory("reuse-").FullName);
        var fixtureService = Path.Combine(AppContext.BaseDirectory, "Fixtures", "dockerfile-service");
        (root / "svc").CreateDirectory();
        foreach (var file in Directory.GetFiles(fixtureService)) File.Copy(file, root / "svc" / Path.GetFileName(file));
        var request = new ImageBuildRequest(root, Manifest(Service("reused", "svc")), fixture.Endpoint, Source, Smoke: false)
        { WorkDirectory = fixture.Directory / "work-reuse" };
        var later = new SourceInfo(Source.Source, "0123456789abcdef0123", DateTimeOffset.UtcNow);

        var first = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request, Ct));
        // Another commit, nothing of the service changed: the same image, with the commit it was built from.
        var second = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request with { Source = later }, Ct));
        Assert.Equal(first, second);
        Assert.Equal(Source.Revision, second.Revision);

        // One file of the service changed: rebuilt, at the new commit.
        await File.AppendAllTextAsync(root / "svc" / "hello.txt", "changed\n", Ct);
        var third = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request with { Source = later }, Ct));
        Assert.NotEqual(first.Digest, third.Digest);
        Assert.Equal(later.Revision, third.Revision);

        // A hand-edited record naming the old image for the current inputs: the registry holds that digest at another revision.
        var record = fixture.Directory / "work-reuse" / "reuse.json";
        await File.WriteAllTextAsync(record, (await File.ReadAllTextAsync(record, Ct)).Replace(third.Digest.Value, first.Digest.Value, StringComparison.Ordinal), Ct);
        var fourth = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request with { Source = later }, Ct));
        Assert.NotEqual(first.Digest, fourth.Digest);
        Assert.Equal(later.Revision, fourth.Revision);

        // Someone moved the staging tag to another image since: the kept image's tag is put back (Promote checks it).
        var staging = ImageReference.Parse(fourth.Staging!);
        using var client = new ClusterSnek.Images.Distribution.RegistryClient();
        var other = await client.GetManifestAsync(staging.ByDigest(first.Digest), Ct);
        await client.PutManifestAsync(staging.Registry, staging.Repository, fourth.Tag, other.Content, other.MediaType, Ct);
        var fifth = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request with { Source = later }, Ct));
        Assert.Equal(fourth, fifth);
        Assert.Equal(fourth.Digest, await client.ResolveAsync(staging.WithTag(fourth.Tag), Ct));
    }

    [Fact]
    public void A_service_path_that_does_not_exist_is_refused_naming_the_manifest_and_service()
    {
        var manifest = Manifest(Service("ghost", "src/services/ghost"));
        var e = Assert.Throws<UsageException>(() => ImageBuild.Validate(Repo.Root, manifest));
        Assert.Equal("clustersnek.yaml: service 'ghost' has project 'src/services/ghost', which does not exist. Fix the path or create the service.", e.Message);
        Assert.Equal(e.Message, new ServiceFolders(Repo.Root, () => manifest).Check());
    }

    [Fact]
    public void The_real_manifest_points_at_four_buildable_service_folders()
    {
        var manifest = ManifestReader.Load(Repo.Root / StackManifest.FileName);
        Assert.Null(new ServiceFolders(Repo.Root, () => manifest).Check());
        Assert.Equal(["ai-agent", "backend", "frontend", "mcp-server"], manifest.Services.Select(s => s.Name).Order().ToArray());
    }

    [Fact]
    public async Task An_image_whose_health_endpoint_never_answers_fails_its_smoke_test_and_nothing_is_pushed()
    {
        // A real service image, built for real, run hardened in podman: its /healthz is fine, but the manifest asks for a path it
        // does not serve, so the 30 s health deadline passes without a 200. Its own repository name: the fixture's registry is
        // shared by every test of the collection, and another test pushes the mcp-server project under its own name.
        var service = new ServiceSpec("unhealthy", "src/services/mcp-server", 18093, "/no-such-health", "/readyz", []);
        var request = new ImageBuildRequest(Repo.Root, Manifest(service), fixture.Endpoint, Source, Smoke: true)
        { WorkDirectory = fixture.Directory / "work-smoke-failure" };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new ImageBuild(fixture.Tools).RunAsync(request, Ct));

        Assert.StartsWith("Smoke test failed for unhealthy: /no-such-health did not answer 200 within 30 s; last log:", e.Message);
        Assert.EndsWith("Nothing was pushed.", e.Message);
        Assert.DoesNotContain(await fixture.CatalogAsync(), r => r.EndsWith("/unhealthy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_smoke_test_passes_while_another_process_listens_on_the_services_own_port()
    {
        // What a running release of this checkout (or another program) does to the service's port during the next build.
        var service = new ServiceSpec("port-held", "src/services/mcp-server", LoopbackPort.Free(), "/healthz", "/readyz", []);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, service.Port);
        holder.Start();
        var request = new ImageBuildRequest(Repo.Root, Manifest(service), fixture.Endpoint, Source, Smoke: true)
        { WorkDirectory = fixture.Directory / "work-smoke-port-held" };

        var image = Assert.Single(await new ImageBuild(fixture.Tools).RunAsync(request, Ct));

        Assert.True(image.Smoke?.Passed, image.Smoke?.Failure);
    }

    [Fact]
    public async Task A_missing_Debian_tool_fails_before_anything_is_built_or_pushed()
    {
        var tools = new ImageTools(fixture.Toolchain, fixture.Directory, dpkgDebPath: "/nonexistent/dpkg-deb");
        var request = new ImageBuildRequest(Repo.Root, Manifest(Service("backend", "src/services/backend")), fixture.Endpoint, Source, Smoke: false)
        { WorkDirectory = fixture.Directory / "work-missing-tool" };
        // The registry is shared with the collection's other tests (some push a backend of their own): compare with before.
        var before = await fixture.CatalogAsync();

        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => new ImageBuild(tools).RunAsync(request, Ct));

        Assert.StartsWith("dpkg-deb not found at /nonexistent/dpkg-deb", e.Message);
        Assert.False(Directory.Exists(fixture.Directory / "work-missing-tool" / "backend"));
        Assert.Equal(before, await fixture.CatalogAsync()); // nothing pushed
    }

    [Fact]
    public async Task A_missing_skopeo_fails_before_anything_is_built_or_pushed()
    {
        var toolchain = Toolchain.ForRoot(Repo.Root, new Dictionary<string, string?> { ["skopeo"] = "/nonexistent/skopeo" });
        var request = new ImageBuildRequest(new AbsolutePath(AppContext.BaseDirectory), Manifest(Service("fixture2", "Fixtures/dockerfile-service")),
            fixture.Endpoint, Source, Smoke: false) { WorkDirectory = fixture.Directory / "work-no-skopeo" };

        var e = await Assert.ThrowsAsync<ToolUnavailableException>(() => new ImageBuild(new ImageTools(toolchain, fixture.Directory)).RunAsync(request, Ct));

        Assert.Contains("/nonexistent/skopeo: no such file", e.Message);
        Assert.DoesNotContain(await fixture.CatalogAsync(), r => r.EndsWith("/fixture2", StringComparison.Ordinal));
    }

    async Task<JsonElement> ReadConfigAsync(string repository, string digest)
    {
        using var http = new HttpClient();
        using var manifest = JsonDocument.Parse(await GetAsync(http, $"{repository}/manifests/{digest}"));
        var configDigest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString();
        return JsonDocument.Parse(await http.GetStringAsync(new Uri(fixture.Endpoint.ApiBase, $"{repository}/blobs/{configDigest}"), Ct)).RootElement.Clone();
    }

    async Task<IReadOnlyList<string>> LayerFilesAsync(string repository, string digest)
    {
        using var http = new HttpClient();
        using var manifest = JsonDocument.Parse(await GetAsync(http, $"{repository}/manifests/{digest}"));
        var files = new List<string>();
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
        {
            await using var blob = await http.GetStreamAsync(new Uri(fixture.Endpoint.ApiBase, $"{repository}/blobs/{layer.GetProperty("digest").GetString()}"), Ct);
            await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            // umoci's layers end without tar's two zero blocks; the end of the stream is the end of the layer.
            try { while (await tar.GetNextEntryAsync(cancellationToken: Ct) is { } entry) files.Add(entry.Name.TrimStart('.', '/')); }
            catch (EndOfStreamException) { }
        }
        return files;
    }

    async Task<string> GetAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Endpoint.ApiBase, path));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
