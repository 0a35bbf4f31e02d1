using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using Serilog;

namespace ClusterSnek.Images.Reproducible;

/// <summary>
/// CheckReproducible: clones the commit twice into two folders of different names and depths, runs the whole image build in each
/// (base from packages.lock, every service; no smoke test), and compares the base's and every service's digest. A difference is
/// explained from the two OCI layouts left on disk: which layer (or the config) and which files, and how they differ.
/// </summary>
public sealed class ReproducibilityCheck(ImageTools tools)
{
    /// <summary>Where the two clones go: outside the checkout (nothing in it scans or builds them), one folder per checkout.</summary>
    public static AbsolutePath DefaultDirectory(AbsolutePath root) => new AbsolutePath(Path.GetTempPath()) / "clustersnek-reproducible"
        / Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(root.Value)))[..12];

    public async Task<ReproducibilityRecord> RunAsync(AbsolutePath root, string commit, RegistryEndpoint registry, AbsolutePath directory, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        // Different names and depths: a path that leaks into a build output shows up as a difference.
        AbsolutePath[] folders = [directory / "first", directory / "second-build" / "elsewhere"];
        // Both builds label their images with the checkout's own source URL and the commit's time, as BuildImages does here.
        var source = ImageSource.FromRun(root, commit);
        var results = new List<IReadOnlyList<ImageEntry>>();
        foreach (var folder in folders)
        {
            await CloneAsync(root, commit, folder, cancellation);
            var manifest = ManifestReader.Load(folder / StackManifest.FileName);
            Log.Information("Reproducibility: building {Commit} in {Folder} (SOURCE_DATE_EPOCH {Epoch})", commit[..Math.Min(12, commit.Length)], folder,
                source.Created.ToUnixTimeSeconds());
            results.Add(await new ImageBuild(tools).RunAsync(new ImageBuildRequest(folder, manifest, registry, source, Smoke: false)
            {
                WorkDirectory = folder / "artifacts" / "images",
            }, cancellation));
        }

        var images = new List<ReproducedImage>();
        var (first, second) = (results[0], results[1]);
        if (first.FirstOrDefault(i => i.BaseDigest is not null)?.BaseDigest is { } baseA && second.FirstOrDefault(i => i.BaseDigest is not null)?.BaseDigest is { } baseB)
            images.Add(Compare("base", baseA, baseB, () => BaseLayout(folders[0]), () => BaseLayout(folders[1])));
        foreach (var a in first)
        {
            var b = second.Single(s => s.Service == a.Service);
            images.Add(Compare(a.Service, a.Digest, b.Digest, () => ServiceLayout(folders[0], a.Service), () => ServiceLayout(folders[1], a.Service)));
        }
        var record = new ReproducibilityRecord(commit, source.Created.ToUnixTimeSeconds(), [.. folders.Select(f => f.Value)], images.All(i => i.Identical),
            images, clock.ElapsedMilliseconds);
        foreach (var image in images)
            Log.Information("{Image}: {Result}", image.Image, image.Identical ? $"identical ({image.First})" : $"DIFFERENT ({image.First} vs {image.Second})");
        return record;
    }

    static ReproducedImage Compare(string image, Digest a, Digest b, Func<AbsolutePath?> layoutA, Func<AbsolutePath?> layoutB)
    {
        if (a == b) return new ReproducedImage(image, a, b, true, []);
        var (x, y) = (layoutA(), layoutB());
        var differences = x is not null && y is not null ? LayoutDifferences.Describe(new OciLayout(x), new OciLayout(y))
            : ["no OCI layout on disk to compare (a Dockerfile image): compare the two pushes with skopeo inspect"];
        return new ReproducedImage(image, a, b, false, differences);
    }

    static AbsolutePath? BaseLayout(AbsolutePath folder) =>
        Directory.GetDirectories(folder / "artifacts" / "images" / "base").Select(d => new AbsolutePath(d) / "oci").FirstOrDefault(d => Directory.Exists(d));

    static AbsolutePath? ServiceLayout(AbsolutePath folder, string service) =>
        folder / "artifacts" / "images" / service / "oci" is var layout && Directory.Exists(layout) ? layout : null;

    static async Task CloneAsync(AbsolutePath root, string commit, AbsolutePath folder, CancellationToken cancellation)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        await GitAsync(null, cancellation, "clone", "--quiet", "--no-checkout", root, folder);
        await GitAsync(folder, cancellation, "checkout", "--quiet", "--detach", commit);
    }

    static async Task GitAsync(string? workingDirectory, CancellationToken cancellation, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync(cancellation);
        await process.StandardOutput.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed (exit {process.ExitCode}): {(await error).Trim()}");
    }
}

/// <summary>Explains why two images differ: config fields, and per layer the files whose content or metadata differ.</summary>
public static class LayoutDifferences
{
    const int MaxFiles = 20;

    public static IReadOnlyList<string> Describe(OciLayout a, OciLayout b)
    {
        var (ma, mb) = (a.ReadManifest().Manifest, b.ReadManifest().Manifest);
        var result = new List<string>();
        if (ma.Config.Digest != mb.Config.Digest)
        {
            var (ca, cb) = (Flatten(JsonNode.Parse(a.ReadBlob(ma.Config.Digest))), Flatten(JsonNode.Parse(b.ReadBlob(mb.Config.Digest))));
            var keys = ca.Keys.Union(cb.Keys).Where(k => ca.GetValueOrDefault(k) != cb.GetValueOrDefault(k)).Order(StringComparer.Ordinal)
                .Where(k => !k.StartsWith("rootfs.diff_ids", StringComparison.Ordinal)).ToList();
            if (keys.Count > 0)
                result.Add("config: " + string.Join(", ", keys.Select(k => $"{k} '{ca.GetValueOrDefault(k)}' vs '{cb.GetValueOrDefault(k)}'")));
        }
        if (ma.Layers.Count != mb.Layers.Count) result.Add($"{ma.Layers.Count} layers vs {mb.Layers.Count}");
        for (var i = 0; i < Math.Min(ma.Layers.Count, mb.Layers.Count); i++)
        {
            if (ma.Layers[i].Digest == mb.Layers[i].Digest) continue;
            var (fa, fb) = (Files(a.Blobs / ma.Layers[i].Digest.Hex), Files(b.Blobs / mb.Layers[i].Digest.Hex));
            var files = fa.Keys.Union(fb.Keys).Order(StringComparer.Ordinal)
                .Select(f => (f, Why: !fb.TryGetValue(f, out var inB) ? "only in the first" : !fa.TryGetValue(f, out var inA) ? "only in the second"
                    : Why(inA, inB)))
                .Where(d => d.Why is not null).ToList();
            var shown = files.Take(MaxFiles).Select(d => $"{d.f} ({d.Why})");
            result.Add($"layer {i + 1} ({ma.Layers[i].Digest} vs {mb.Layers[i].Digest}): "
                + (files.Count == 0 ? "same files, different tar or gzip bytes (entry order or compressor)"
                    : $"{files.Count} file(s) differ: {string.Join(", ", shown)}{(files.Count > MaxFiles ? ", …" : "")}"));
        }
        if (ma.Annotations is not null || mb.Annotations is not null)
        {
            var keys = (ma.Annotations?.Keys ?? []).Union(mb.Annotations?.Keys ?? []).Where(k => ma.Annotations?.GetValueOrDefault(k) != mb.Annotations?.GetValueOrDefault(k)).ToList();
            if (keys.Count > 0) result.Add("manifest annotations: " + string.Join(", ", keys));
        }
        return result;
    }

    sealed record FileFacts(string Type, string Mode, string Owner, long Time, string Content, string? Link);

    static string? Why(FileFacts a, FileFacts b) =>
        a.Content != b.Content ? "content" : a.Mode != b.Mode ? $"mode {a.Mode} vs {b.Mode}" : a.Owner != b.Owner ? $"owner {a.Owner} vs {b.Owner}"
        : a.Time != b.Time ? $"time {a.Time} vs {b.Time}" : a.Type != b.Type ? $"type {a.Type} vs {b.Type}" : a.Link != b.Link ? "link target" : null;

    static Dictionary<string, FileFacts> Files(string gzipLayer)
    {
        var files = new Dictionary<string, FileFacts>(StringComparer.Ordinal);
        using var file = File.OpenRead(gzipLayer);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            var content = entry.DataStream is null ? "" : Convert.ToHexStringLower(SHA256.HashData(entry.DataStream));
            files[LayerEntry.Normalize(entry.Name)] = new FileFacts(entry.EntryType.ToString(), Convert.ToString((int)entry.Mode, 8), $"{entry.Uid}:{entry.Gid}",
                entry.ModificationTime.ToUnixTimeSeconds(), content, entry.LinkName is { Length: > 0 } l ? l : null);
        }
        return files;
    }

    static Dictionary<string, string> Flatten(JsonNode? node, string prefix = "", Dictionary<string, string>? into = null)
    {
        into ??= new Dictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Flatten(v, prefix.Length == 0 ? k : $"{prefix}.{k}", into);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Flatten(a[i], $"{prefix}[{i}]", into);
                break;
            default:
                into[prefix] = node?.ToJsonString() ?? "null";
                break;
        }
        return into;
    }
}
