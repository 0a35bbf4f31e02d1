using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Images.Reproducible;

/// <summary>
/// Makes the SDK's service image reproducible. <c>dotnet publish -t:PublishContainer</c> writes its app layer with the clock's time
/// on every file, directory order from the file system and modes from the umask, stamps "created" with the clock and names the
/// base by its registry address. This rewrites the image into an OCI layout: the base layers as they are, the app layer again from
/// the publish folder through <see cref="ReproducibleLayer"/> (after checking it holds the same files as the SDK's), the times set
/// to SOURCE_DATE_EPOCH, and the registry address dropped from the base's name.
/// </summary>
public static partial class ServiceImageNormalizer
{
    static readonly string[] TimeLabels = ["org.opencontainers.image.created", "org.opencontainers.artifact.created"];
    const string BaseNameKey = "org.opencontainers.image.base.name";

    public static async Task<Descriptor> NormalizeAsync(string sdkArchive, AbsolutePath publishDirectory, IReadOnlyList<string> baseLayers, string registryHost,
        DateTimeOffset epoch, string tag, string service, AbsolutePath output, CancellationToken cancellation)
    {
        var unpacked = new AbsolutePath(output + ".sdk");
        if (Directory.Exists(unpacked)) Directory.Delete(unpacked, recursive: true);
        unpacked.CreateDirectory();
        await TarFile.ExtractToDirectoryAsync(sdkArchive, unpacked, overwriteFiles: true, cancellation);
        if (!File.Exists(unpacked / "index.json"))
            throw new InvalidOperationException($"{sdkArchive} is not an OCI layout archive (no index.json); ContainerArchiveOutputPath should write one.");
        var sdk = new OciLayout(unpacked);
        var (_, manifest) = sdk.ReadManifest();
        var ownLayers = manifest.Layers.Where(l => !baseLayers.Contains(l.Digest.Value)).ToList();
        if (ownLayers.Count != 1 || manifest.Layers.Count != baseLayers.Count + 1)
            throw new InvalidOperationException($"{sdkArchive}: expected the base's {baseLayers.Count} layer(s) and one app layer, found {manifest.Layers.Count} layers "
                + $"of which {ownLayers.Count} are not the base's.");
        var config = JsonNode.Parse(sdk.ReadBlob(manifest.Config.Digest))!.AsObject();
        var workingDirectory = config["config"]?["WorkingDir"]?.GetValue<string>() is { Length: > 0 } wd ? wd : "/app";
        var appPath = LayerEntry.Normalize(workingDirectory);

        StampStaticAssetTimes(publishDirectory, epoch);
        var entries = AppLayerEntries(publishDirectory, appPath, epoch);
        var sdkFiles = await FileNamesAsync(sdk.Blobs / ownLayers[0].Digest.Hex, cancellation);
        var ours = entries.Where(e => e.Type != TarEntryType.Directory).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var differ = sdkFiles.Except(ours).Concat(ours.Except(sdkFiles)).Order(StringComparer.Ordinal).Take(5).ToList();
        if (differ.Count > 0)
            throw new InvalidOperationException($"{sdkArchive}: the SDK's app layer and {publishDirectory} hold different files ({string.Join(", ", differ)}); "
                + "the reproducible app layer is written from the publish folder, so they must match.");

        var layout = OciLayout.Create(output);
        foreach (var layer in manifest.Layers.Where(l => baseLayers.Contains(l.Digest.Value)))
            File.Copy(sdk.Blobs / layer.Digest.Hex, layout.Blobs / layer.Digest.Hex, overwrite: true);
        var app = await ReproducibleLayer.WriteAsync(entries, epoch, layout.Blobs, cancellation);
        var layers = manifest.Layers.Select(l => baseLayers.Contains(l.Digest.Value) ? l : app.Descriptor).ToList();

        var created = epoch.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ");
        config["created"] = created;
        foreach (var h in config["history"]?.AsArray() ?? []) if (h is JsonObject history) history["created"] = created;
        // The image says which service it is (the SDK leaves the base's title): a replayed or promoted digest is checked against it.
        var labels = (config["config"]?["Labels"] as JsonObject)?.ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "") ?? [];
        labels[ImageLabels.Title] = service;
        config["config"]!["Labels"] = Normalized(labels, created, registryHost);
        var diffIds = config["rootfs"]!["diff_ids"]!.AsArray();
        diffIds[manifest.Layers.ToList().IndexOf(ownLayers[0])] = app.DiffId.Value;

        var annotations = manifest.Annotations is null ? null : Normalized(manifest.Annotations, created, registryHost)
            .ToDictionary(a => a.Key, a => a.Value!.GetValue<string>());
        var written = layout.WriteImage(config, layers, tag, annotations);
        Directory.Delete(unpacked, recursive: true);
        return written;
    }

    /// <summary>
    /// ASP.NET Core's static web assets manifest (<c>*.staticwebassets.endpoints.json</c>, read by MapStaticAssets) precomputes a
    /// Last-Modified header from each asset's file time: the checkout time of wwwroot files, the build time of their .gz/.br
    /// copies. Those become SOURCE_DATE_EPOCH, the time of the commit the assets come from; the ETag (a content hash) stays.
    /// </summary>
    public static int StampStaticAssetTimes(AbsolutePath publishDirectory, DateTimeOffset epoch)
    {
        var stamp = epoch.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        var changed = 0;
        foreach (var file in Directory.EnumerateFiles(publishDirectory, "*.staticwebassets.endpoints.json"))
        {
            var text = File.ReadAllText(file);
            var stamped = LastModified().Replace(text, m => m.Groups[1].Value + stamp + "\"");
            if (stamped == text) continue;
            File.WriteAllText(file, stamped);
            changed++;
        }
        return changed;
    }

    [System.Text.RegularExpressions.GeneratedRegex("(\"Name\"\\s*:\\s*\"Last-Modified\"\\s*,\\s*\"Value\"\\s*:\\s*\")[^\"]*\"")]
    private static partial System.Text.RegularExpressions.Regex LastModified();

    /// <summary>The publish folder under the image's working directory: rwxr-xr-x when the owner may execute, else rw-r--r--; root-owned.</summary>
    public static IReadOnlyList<LayerEntry> AppLayerEntries(AbsolutePath publishDirectory, string appPath, DateTimeOffset epoch)
    {
        var exec = (UnixFileMode)Convert.ToInt32("755", 8);
        var plain = (UnixFileMode)Convert.ToInt32("644", 8);
        var entries = new List<LayerEntry> { LayerEntry.Directory(appPath, epoch) };
        foreach (var path in Directory.EnumerateFileSystemEntries(publishDirectory, "*", SearchOption.AllDirectories))
        {
            var name = appPath + "/" + Path.GetRelativePath(publishDirectory, path).Replace('\\', '/');
            if (Directory.Exists(path)) entries.Add(LayerEntry.Directory(name, epoch));
            else
            {
                var mode = !OperatingSystem.IsWindows() && File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute) ? exec : plain;
                entries.Add(new LayerEntry(name, TarEntryType.RegularFile, mode, 0, 0, epoch) { DataFile = path });
            }
        }
        return entries;
    }

    /// <summary>Labels and annotations sorted by key, times set to the epoch, and the base named without its registry address.</summary>
    static JsonObject Normalized(IEnumerable<KeyValuePair<string, string>> values, string created, string registryHost)
    {
        var result = new JsonObject();
        foreach (var (key, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var v = TimeLabels.Contains(key) ? created
                : key == BaseNameKey && value.StartsWith(registryHost + "/", StringComparison.Ordinal) ? value[(registryHost.Length + 1)..]
                : value;
            result[key] = v;
        }
        return result;
    }

    static async Task<HashSet<string>> FileNamesAsync(string gzipLayer, CancellationToken cancellation)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var file = File.OpenRead(gzipLayer);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellation) is { } entry)
            if (entry.EntryType != TarEntryType.Directory) names.Add(LayerEntry.Normalize(entry.Name));
        return names;
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
