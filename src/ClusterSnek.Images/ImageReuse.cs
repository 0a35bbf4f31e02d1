using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>
/// Per-service reuse: a service whose inputs (its folder, the shared service code and build settings, the base image's digest,
/// the image builder's own code, the SDK) are unchanged since an image was pushed keeps that image — no publish, no smoke
/// test, no push, same digest — while a changed service is rebuilt. The record (artifacts/images/reuse.json) is only a hint:
/// a reused digest must still be in the service's own staging repository (where Scan and Sbom read it next; Promote copies it to
/// the release repository only after the gate) and carry the service's name and the recorded revision in its labels.
/// The registry's address is not an input: images are content-addressed.
/// </summary>
public sealed class ImageReuse(AbsolutePath file)
{
    public sealed record Entry(string Inputs, ImageEntry Image);

    static readonly string[] SharedFiles = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config", "NuGet.config"];
    static readonly string[] BuilderSources = ["src/ClusterSnek.Images", "src/ClusterSnek.Tools/ContainerPublish.cs"];

    public IReadOnlyDictionary<string, Entry> Read()
    {
        if (!File.Exists(file)) return new Dictionary<string, Entry>();
        try { return JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(file), RecordJson.Options) ?? []; }
        catch (JsonException e)
        {
            Log.Warning("{File} is not a reuse record ({Reason}); every image is rebuilt", file, e.Message);
            return new Dictionary<string, Entry>();
        }
    }

    public void Write(IReadOnlyDictionary<string, Entry> entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temp = file + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entries.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(), RecordJson.Options));
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>sha256 over everything that makes a service's image, in a fixed order; the registry and the commit are not in it.</summary>
    public static string Inputs(AbsolutePath root, ServiceSpec service, string? baseDigest, string sdkVersion)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => sha.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"service {service.Name} {service.Project} base {baseDigest ?? "-"} sdk {sdkVersion}");
        var paths = new List<string> { service.Project, "src/services/common" };
        paths.AddRange(SharedFiles);
        paths.AddRange(BuilderSources);
        foreach (var relative in paths)
            foreach (var path in Files(root / relative))
            {
                Add(Path.GetRelativePath(root, path).Replace('\\', '/'));
                sha.AppendData(File.ReadAllBytes(path));
            }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The file, or every file under the folder except build output (bin/, obj/), in ordinal order.</summary>
    static IEnumerable<string> Files(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) return [];
        var separator = Path.DirectorySeparatorChar;
        return Directory.GetFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(path, f).Split(separator).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The recorded image when its inputs match and the registry still holds it as that service's build; else null (rebuild).</summary>
    public static async Task<ImageEntry?> ReusableAsync(Entry? recorded, string inputs, ServiceSpec service, string repository, string release, Skopeo skopeo,
        RegistryEndpoint registry, CancellationToken cancellation)
    {
        if (recorded is null || recorded.Inputs != inputs || recorded.Image.Service != service.Name) return null;
        SkopeoImage image;
        try { image = await skopeo.InspectAsync($"docker://{repository}@{recorded.Image.Digest.Value}", !registry.PlainHttp, registry.AuthFile, cancellation); }
        catch (ToolFailedException)
        {
            Log.Information("{Service}: the recorded image {Digest} is no longer in {Registry}; rebuilding", service.Name, recorded.Image.Digest.Value[..19], registry);
            return null;
        }
        // The registry serves a digest only from a repository it was pushed to: found in the service's own repository, it is
        // an image of that service; its revision label must be the commit the record says it was built from.
        var revision = image.Labels.GetValueOrDefault(ImageLabels.Revision);
        if (image.Labels.GetValueOrDefault(ImageLabels.Title) != service.Name)
        {
            Log.Information("{Service}: the recorded image {Digest} is not labelled as {Service} ({Label}); rebuilding", service.Name,
                recorded.Image.Digest.Value[..19], service.Name, ImageLabels.Title);
            return null;
        }
        if (image.Digest != recorded.Image.Digest.Value || (recorded.Image.Revision is not null && revision != recorded.Image.Revision))
        {
            Log.Warning("{Service}: the reuse record names {Digest} built at {Recorded}, but the registry's image says {Revision}; rebuilding", service.Name,
                recorded.Image.Digest.Value[..19], recorded.Image.Revision, revision ?? "(no revision)");
            return null;
        }
        // The staging tag is what Promote checks before it releases: a tag moved since (another image copied over it) is put back.
        var tagged = $"docker://{repository}:{recorded.Image.Tag}";
        string? current;
        try { current = (await skopeo.InspectAsync(tagged, !registry.PlainHttp, registry.AuthFile, cancellation)).Digest; }
        catch (ToolFailedException) { current = null; }
        if (current != recorded.Image.Digest.Value)
        {
            Log.Warning("{Service}: staging tag {Tag} pointed at {Current}, not the kept {Digest}; re-pointing it", service.Name, recorded.Image.Tag,
                current ?? "(nothing)", recorded.Image.Digest.Value[..19]);
            await skopeo.CopyAsync($"docker://{repository}@{recorded.Image.Digest.Value}", tagged, !registry.PlainHttp, registry.AuthFile, cancellation);
        }
        return recorded.Image with { Reference = release, Staging = repository };
    }
}
