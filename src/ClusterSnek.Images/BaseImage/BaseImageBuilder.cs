using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Reproducible;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>The base image as pushed: repository, tag, digest, its layers, and the package versions it holds.</summary>
public sealed record BaseImage(string Repository, string Tag, string Digest, IReadOnlyDictionary<string, string> Packages, bool Reused)
{
    /// <summary>Pinned by digest, the way service images reference it.</summary>
    public string Reference => $"{Repository}@{Digest}";

    /// <summary>The layer digests, so a service image built on it can tell its own layers from the base's.</summary>
    public IReadOnlyList<string> Layers { get; init; } = [];
}

/// <summary>Tools the base image needs: dpkg-deb to read the .deb files, skopeo to push. No apt: the lock file says what to fetch.</summary>
public sealed record BaseImageTools(DpkgDeb Dpkg, Skopeo Skopeo);

/// <summary>
/// Builds the distroless-style base from BaseImage/packages.lock alone: the locked .deb files (sha256-verified), their file systems
/// merged into one reproducible layer with dpkg status.d records for scanners, a passwd with uid 65532 and the CA bundle, written
/// as an OCI layout whose bytes depend only on the lock and this recipe (no commit, no clock, no host), then pushed with skopeo.
/// </summary>
public sealed class BaseImageBuilder(BaseImageTools tools, AbsolutePath workDirectory, AbsolutePath? debCache = null)
{
    // Bump when the recipe below changes, so cached bases built by an older recipe are rebuilt.
    const string RecipeVersion = "2";
    public const int NonRootUid = 65532;

    /// <summary>The base depends on the lock, not on the commit, so its times are a constant (as distroless does): 1970-01-01.</summary>
    public static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public static IReadOnlyList<string> ReadPackageList(AbsolutePath file) =>
        File.ReadAllLines(file).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToList();

    public async Task<BaseImage> EnsureAsync(PackageLock packageLock, RegistryEndpoint registry, string repositoryPath, SourceInfo source, CancellationToken cancellation)
    {
        var key = packageLock.ContentKey(RecipeVersion);
        var tag = key[..16];
        var repository = registry.Repository(repositoryPath);
        var cacheFile = workDirectory / $"{tag}.json";

        if (File.Exists(cacheFile) && JsonSerializer.Deserialize<BaseImage>(File.ReadAllText(cacheFile)) is { } cached && cached.Repository == repository)
        {
            try
            {
                var present = await tools.Skopeo.InspectAsync($"docker://{repository}:{tag}", !registry.PlainHttp, registry.AuthFile, cancellation);
                if (present.Digest == cached.Digest)
                {
                    Log.Information("Base image unchanged (packages.lock as before): {Reference}", cached.Reference);
                    return cached with { Reused = true };
                }
            }
            catch (ToolFailedException) { Log.Information("Base image {Tag} is no longer in the registry; rebuilding it", tag); }
        }

        var work = (workDirectory / tag).CreateDirectory();
        var (layout, manifest) = await WriteLayoutAsync(packageLock, work, tag, source, cancellation);
        await tools.Skopeo.CopyAsync($"oci:{layout.Directory}:{tag}", $"docker://{repository}:{tag}", !registry.PlainHttp, registry.AuthFile, cancellation);
        var pushed = await tools.Skopeo.InspectAsync($"docker://{repository}:{tag}", !registry.PlainHttp, registry.AuthFile, cancellation);
        if (pushed.Digest != manifest.Digest.Value)
            Log.Warning("The registry holds the base as {Pushed}, not the manifest written ({Written}): the push converted it", pushed.Digest, manifest.Digest);
        Log.Information("Base image built from {Count} locked Debian packages: {Repository}@{Digest}", packageLock.Packages.Count, repository, pushed.Digest);
        var image = new BaseImage(repository, tag, pushed.Digest, packageLock.Packages.ToDictionary(p => p.Name, p => p.Version), Reused: false)
        {
            Layers = [.. layout.ReadManifest(tag).Manifest.Layers.Select(l => l.Digest.Value)],
        };
        File.WriteAllText(cacheFile, JsonSerializer.Serialize(image));
        return image;
    }

    /// <summary>Writes the base as an OCI layout under <paramref name="work"/>/oci; the same lock gives the same manifest digest anywhere.</summary>
    public async Task<(OciLayout Layout, Distribution.Descriptor Manifest)> WriteLayoutAsync(PackageLock packageLock, AbsolutePath work, string tag, SourceInfo source,
        CancellationToken cancellation)
    {
        var debs = await new DebDownloads(debCache ?? DebDownloads.DefaultCache).FetchAsync(packageLock, cancellation);
        var files = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        var statusDir = "var/lib/dpkg/status.d";
        var scratch = (work / "scratch").CreateDirectory();
        foreach (var (package, deb) in debs.OrderBy(d => d.Package.Name, StringComparer.Ordinal))
        {
            var tar = scratch / $"{package.Name}.tar";
            await tools.Dpkg.FsysTarfileAsync(deb, tar, cancellation);
            await ReadEntriesAsync(tar, files, cancellation);
            File.Delete(tar);
            var control = await tools.Dpkg.ControlAsync(deb, cancellation);
            // Scanners (trivy, syft) read distroless-style status.d entries; "Status" marks the package installed.
            RootFilesystem.Write(files, $"{statusDir}/{package.Name}",
                control.TrimEnd('\n').Replace("\nDescription:", "\nStatus: install ok installed\nDescription:", StringComparison.Ordinal) + "\n", Epoch);
        }
        RootFilesystem.Finish(files, NonRootUid, Epoch);

        var layout = OciLayout.Create(work / "oci");
        var layer = await ReproducibleLayer.WriteAsync(files.Values, Epoch, layout.Blobs, cancellation);
        var created = Epoch.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.source"] = source.Source,
            ["org.opencontainers.image.title"] = "ClusterSnek base (Debian packages, no shell)",
            ["org.opencontainers.image.created"] = created,
            ["org.clustersnek.packages-lock"] = packageLock.ContentKey(RecipeVersion),
        };
        var config = new JsonObject
        {
            ["created"] = created,
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["User"] = $"{NonRootUid}:{NonRootUid}",
                ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"),
                ["WorkingDir"] = "/app",
                ["Labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layer.DiffId.Value) },
            ["history"] = new JsonArray(new JsonObject
            {
                ["created"] = created, ["created_by"] = $"ClusterSnek base: {packageLock.Packages.Count} Debian packages from packages.lock",
            }),
        };
        var manifest = layout.WriteImage(config, [layer.Descriptor], tag);
        Directory.Delete(scratch, recursive: true);
        Log.Information("Base image layout: {Files} files, layer {Layer} ({Size:0.0} MB), manifest {Manifest}", layer.Files, layer.Descriptor.Digest,
            layer.Descriptor.Size / 1e6, manifest.Digest);
        return (layout, manifest);
    }

    /// <summary>Reads a package's file system tar into <paramref name="files"/>; hard links become copies (the layer is sorted by path).</summary>
    static async Task ReadEntriesAsync(string tarFile, IDictionary<string, LayerEntry> files, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(tarFile);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: true, cancellation) is { } entry)
        {
            var path = LayerEntry.Normalize(entry.Name);
            if (path.Length == 0) continue;
            var type = entry.EntryType switch
            {
                TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => TarEntryType.RegularFile,
                var t => t,
            };
            byte[]? data = null;
            if (entry.DataStream is not null)
            {
                using var buffer = new MemoryStream();
                await entry.DataStream.CopyToAsync(buffer, cancellation);
                data = buffer.ToArray();
            }
            var item = new LayerEntry(path, type, entry.Mode, entry.Uid, entry.Gid, entry.ModificationTime) { Data = data };
            if (type == TarEntryType.HardLink)
            {
                var target = files.TryGetValue(LayerEntry.Normalize(entry.LinkName), out var t) ? t
                    : throw new InvalidOperationException($"{tarFile}: hard link {path} points at {entry.LinkName}, which the package does not hold before it.");
                item = item with { Type = TarEntryType.RegularFile, Data = target.Data, Mode = target.Mode };
            }
            else if (type == TarEntryType.SymbolicLink) item = item with { LinkName = entry.LinkName };
            else if (type is not (TarEntryType.RegularFile or TarEntryType.Directory))
                throw new InvalidOperationException($"{tarFile}: {path} is a {type}; the base image takes files, directories and links only.");
            if (type == TarEntryType.Directory && files.ContainsKey(path)) continue;
            files[path] = item;
        }
    }
}
