using System.Formats.Tar;
using ClusterSnek.Images.Reproducible;
using ClusterSnek.Pipeline;
using ClusterSnek.Testing;
using ClusterSnek.Tools;

namespace ClusterSnek.Images.Tests;

/// <summary>
/// The base image depends on the committed lock only: the real packages.lock, real .deb files from Debian (cached by sha256 in
/// ~/.cache/clustersnek/debs), real dpkg-deb and apt. Nothing here needs a registry.
/// </summary>
public sealed class ReproducibleBaseTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static AbsolutePath BaseFolder => Repo.Root / "src" / "ClusterSnek.Images" / "BaseImage";
    static PackageLock CommittedLock => PackageLock.Read(BaseFolder / PackageLock.FileName);
    static readonly SourceInfo Source = new("https://example.test/clustersnek", "feedfacecafebeef0000", DateTimeOffset.FromUnixTimeSeconds(1_796_000_000));

    static AbsolutePath TempFolder(string name) => new(Directory.CreateTempSubdirectory($"clustersnek-{name}-").FullName);

    [Fact]
    public async Task The_committed_lock_pins_every_package_of_packages_txt_and_each_deb_matches_its_sha256()
    {
        var packageLock = CommittedLock;
        packageLock.CheckCovers(BaseImageBuilder.ReadPackageList(BaseFolder / "packages.txt"), "packages.lock");

        var files = await new DebDownloads(DebDownloads.DefaultCache).FetchAsync(packageLock, Ct);

        Assert.Equal(packageLock.Packages.Count, files.Count);
        Assert.All(packageLock.Packages, p => Assert.Equal("deb.debian.org", p.Url.Host));
        Assert.All(files, f => Assert.Equal(f.Package.Size, new FileInfo(f.File).Length));
    }

    [Fact]
    public async Task A_deb_whose_sha256_differs_from_the_lock_is_refused_naming_the_package()
    {
        var netbase = CommittedLock.Packages.Single(p => p.Name == "netbase");
        var tampered = new PackageLock([netbase with { Sha256 = new string('0', 64) }]);
        var cache = TempFolder("debs");
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new DebDownloads(cache).FetchAsync(tampered, Ct));

            Assert.StartsWith($"netbase {netbase.Version}: {netbase.Url} has size {netbase.Size} and sha256 {netbase.Sha256}, but packages.lock pins", e.Message);
            Assert.Empty(Directory.GetFiles(cache));
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    [Fact]
    public void A_lock_that_misses_a_package_of_packages_txt_is_an_error_naming_it_and_the_fix()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CommittedLock.CheckCovers(["libc6", "curl"], "packages.lock"));

        Assert.StartsWith("packages.lock does not match packages.txt (not locked: curl; locked but not listed: base-files,", e.Message);
        Assert.EndsWith("): run ./build.sh LockBasePackages.", e.Message);
    }

    [Fact]
    public async Task Locking_reads_only_the_projects_apt_sources_and_keyring_never_the_hosts()
    {
        var work = TempFolder("apt");
        try
        {
            var apt = AptGet.Resolve();
            var projectApt = new ProjectApt(BaseFolder / "apt", work);
            var config = projectApt.WriteConfig();

            // Every file or folder apt reads configuration, sources, keys, credentials and state from is the project's, the work
            // folder's or nothing; a relative setting resolves under Dir::Etc (or Dir::State, Dir::Cache), which are the work folder's.
            var dump = await apt.DumpConfigAsync(config, Ct);
            var dirs = dump.Split('\n').Where(l => l.StartsWith("Dir::Etc", StringComparison.Ordinal) || l.StartsWith("Dir::State", StringComparison.Ordinal)
                || l.StartsWith("Dir::Cache", StringComparison.Ordinal)).ToList();
            string Value(string key) => dirs.Single(l => l.StartsWith(key + " ", StringComparison.Ordinal)).Split('"')[1];
            Assert.All(dirs, line =>
            {
                var value = line.Split('"')[1];
                Assert.True(!value.StartsWith('/') || value.StartsWith(BaseFolder / "apt", StringComparison.Ordinal)
                    || value.StartsWith(work, StringComparison.Ordinal) || value == "/dev/null", $"apt reads {line} from outside the project");
            });
            Assert.All(new[] { "Dir::Etc", "Dir::State", "Dir::Cache" }, key => Assert.StartsWith(work, Value(key)));
            Assert.Equal(projectApt.SourcesList, Value("Dir::Etc::sourcelist"));
            Assert.Equal(projectApt.TrustedParts, Value("Dir::Etc::trustedparts").TrimEnd('/'));
            Assert.Equal("/dev/null", Value("Dir::Etc::main"));

            // What apt would download is exactly the project's sources.list, whatever else the host's /etc/apt names.
            await apt.UpdateWithAsync(config, Ct);
            var uris = (await apt.IndexTargetsAsync(config, Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Order().ToArray();
            Assert.Equal(
            [
                "http://deb.debian.org/debian-security/dists/bookworm-security/main/binary-amd64/Packages",
                "http://deb.debian.org/debian/dists/bookworm-updates/main/binary-amd64/Packages",
                "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages",
            ], uris);
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    [Fact]
    public async Task The_base_is_the_same_bytes_in_two_folders_and_its_digest_is_the_committed_one()
    {
        var (a, b) = (TempFolder("base-a"), TempFolder("base-bb"));
        try
        {
            var builder = new BaseImageBuilder(new BaseImageTools(DpkgDeb.Resolve(), null!), a);
            var first = await builder.WriteLayoutAsync(CommittedLock, a / "work", "t", Source, Ct);
            var second = await new BaseImageBuilder(new BaseImageTools(DpkgDeb.Resolve(), null!), b)
                .WriteLayoutAsync(CommittedLock, b / "somewhere" / "else", "t", Source with { Revision = "another-commit", Created = DateTimeOffset.UtcNow }, Ct);

            Assert.Equal(first.Manifest.Digest, second.Manifest.Digest);
            // Any machine (a Debian laptop, an Ubuntu runner) must write this digest from this lock; a new lock updates it on purpose.
            Expect.MatchesFile(first.Manifest.Digest.Value + "\n", "base-manifest-digest.txt");
        }
        finally
        {
            Directory.Delete(a, recursive: true);
            Directory.Delete(b, recursive: true);
        }
    }

    [Fact]
    public async Task An_app_layer_does_not_depend_on_file_times_umask_or_the_order_files_were_written()
    {
        var (a, b) = (TempFolder("app-a"), TempFolder("app-b"));
        try
        {
            File.WriteAllText(a / "app.dll", "dll");
            Directory.CreateDirectory(a / "wwwroot");
            File.WriteAllText(a / "wwwroot" / "index.html", "<html>");
            File.WriteAllText(a / "app", "elf");
            File.SetUnixFileMode(a / "app", (UnixFileMode)Convert.ToInt32("775", 8));

            Directory.CreateDirectory(b / "wwwroot");
            File.WriteAllText(b / "wwwroot" / "index.html", "<html>");
            File.WriteAllText(b / "app", "elf");
            File.SetUnixFileMode(b / "app", (UnixFileMode)Convert.ToInt32("700", 8));
            File.WriteAllText(b / "app.dll", "dll");
            File.SetUnixFileMode(b / "app.dll", (UnixFileMode)Convert.ToInt32("664", 8));
            File.SetLastWriteTimeUtc(b / "app.dll", new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var epoch = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000);

            var first = await ReproducibleLayer.WriteAsync(ServiceImageNormalizer.AppLayerEntries(a, "app", epoch), epoch, a / "blobs", Ct);
            var second = await ReproducibleLayer.WriteAsync(ServiceImageNormalizer.AppLayerEntries(b, "app", epoch), epoch, b / "blobs", Ct);

            Assert.Equal(first.Descriptor.Digest, second.Descriptor.Digest);
            Assert.Equal(first.DiffId, second.DiffId);
            var entries = await ReadEntriesAsync(a / "blobs" / first.Descriptor.Digest.Hex);
            Assert.Equal(["app/", "app/app", "app/app.dll", "app/wwwroot/", "app/wwwroot/index.html"], entries.Select(e => e.Name));
            Assert.All(entries, e => Assert.Equal(epoch, e.ModificationTime));
            Assert.All(entries, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
            Assert.Equal("755", Convert.ToString((int)entries.Single(e => e.Name == "app/app").Mode, 8));
            Assert.Equal("644", Convert.ToString((int)entries.Single(e => e.Name == "app/app.dll").Mode, 8));
        }
        finally
        {
            Directory.Delete(a, recursive: true);
            Directory.Delete(b, recursive: true);
        }
    }

    [Fact]
    public void Static_web_assets_say_they_were_last_modified_at_the_commit_not_at_checkout_or_build_time()
    {
        // The shape ASP.NET Core's publish writes (one endpoint of a real frontend publish, shortened).
        var folder = TempFolder("swa");
        try
        {
            File.WriteAllText(folder / "frontend.staticwebassets.endpoints.json", """
                {"Version":1,"ManifestType":"Publish","Endpoints":[{"Route":"app.css","AssetFile":"app.css.gz","ResponseHeaders":[{"Name":"ETag","Value":"\"bqnb=\""},{"Name":"Last-Modified","Value":"Mon, 30 Nov 2026 20:27:11 GMT"},{"Name":"Vary","Value":"Accept-Encoding"}]}]}
                """);

            Assert.Equal(1, ServiceImageNormalizer.StampStaticAssetTimes(folder, DateTimeOffset.FromUnixTimeSeconds(1_796_070_281)));

            Assert.Equal("""
                {"Version":1,"ManifestType":"Publish","Endpoints":[{"Route":"app.css","AssetFile":"app.css.gz","ResponseHeaders":[{"Name":"ETag","Value":"\"bqnb=\""},{"Name":"Last-Modified","Value":"Mon, 30 Nov 2026 20:24:41 GMT"},{"Name":"Vary","Value":"Accept-Encoding"}]}]}
                """, File.ReadAllText(folder / "frontend.staticwebassets.endpoints.json"));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Theory]
    [InlineData("git@github.com:clustersnek/clustersnek.git", "https://github.com/clustersnek/clustersnek")]
    [InlineData("https://github.com/clustersnek/clustersnek.git", "https://github.com/clustersnek/clustersnek")]
    [InlineData("https://someone@github.com/clustersnek/clustersnek", "https://github.com/clustersnek/clustersnek")]
    [InlineData("/work/main", "local")]
    [InlineData("file:///work/main", "local")]
    public void A_remote_is_named_the_same_whichever_way_the_checkout_spells_it(string remote, string expected) =>
        Assert.Equal(expected, ImageSource.NormalizeRemote(remote));

    [Fact]
    public void SOURCE_DATE_EPOCH_is_the_commits_time_unless_the_environment_sets_it()
    {
        var commit = Git("rev-parse", "HEAD");
        var seconds = long.Parse(Git("log", "-1", "--format=%ct", commit), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(seconds, ImageSource.SourceDateEpoch(Repo.Root, commit, _ => null).ToUnixTimeSeconds());
        Assert.Equal(42, ImageSource.SourceDateEpoch(Repo.Root, commit, v => v == "SOURCE_DATE_EPOCH" ? "42" : null).ToUnixTimeSeconds());
    }

    static string Git(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true, WorkingDirectory = Repo.Root };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        var text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return text;
    }

    static async Task<List<TarEntry>> ReadEntriesAsync(string gzipLayer)
    {
        await using var file = File.OpenRead(gzipLayer);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var entries = new List<TarEntry>();
        while (await tar.GetNextEntryAsync(cancellationToken: Ct) is { } entry) entries.Add(entry);
        return entries;
    }
}
