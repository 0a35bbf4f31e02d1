using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>The base image as pushed: repository, tag, digest, and the package versions it holds.</summary>
public sealed record BaseImage(string Repository, string Tag, string Digest, IReadOnlyDictionary<string, string> Packages, bool Reused)
{
    /// <summary>Pinned by digest, the way service images reference it.</summary>
    public string Reference => $"{Repository}@{Digest}";
}

/// <summary>Tools the base image needs.</summary>
public sealed record BaseImageTools(AptGet Apt, DpkgDeb Dpkg, Umoci Umoci, Skopeo Skopeo);

/// <summary>
/// Builds the distroless-style base offline: apt-get download, dpkg-deb -x into a rootfs, dpkg status.d files for scanners,
/// a passwd with uid 65532, the CA bundle; umoci packs it and skopeo pushes it. Cached by package list + candidate versions.
/// </summary>
public sealed class BaseImageBuilder(BaseImageTools tools, AbsolutePath workDirectory)
{
    // Bump when the recipe below changes, so cached bases built by an older recipe are rebuilt.
    const string RecipeVersion = "1";
    public const int NonRootUid = 65532;

    public static IReadOnlyList<string> ReadPackageList(AbsolutePath file) =>
        File.ReadAllLines(file).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToList();

    public async Task<BaseImage> EnsureAsync(IReadOnlyList<string> packages, RegistryEndpoint registry, string repositoryPath, SourceInfo source, CancellationToken cancellation)
    {
        var versions = await tools.Apt.CandidateVersionsAsync(packages, cancellation);
        if (versions.Values.Any(v => v is null))
        {
            await tools.Apt.UpdateAsync(cancellation);
            versions = await tools.Apt.CandidateVersionsAsync(packages, cancellation);
        }
        var unknown = versions.Where(v => v.Value is null).Select(v => v.Key).ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException($"src/ClusterSnek.Images/BaseImage/packages.txt: apt knows no package {string.Join(", ", unknown)}; fix the name or the apt sources.");
        var pinned = versions.ToDictionary(v => v.Key, v => v.Value!);
        var key = Key(pinned);
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
                    Log.Information("Base image unchanged (packages and versions as before): {Reference}", cached.Reference);
                    return cached with { Reused = true };
                }
            }
            catch (ToolFailedException) { Log.Information("Base image {Tag} is no longer in the registry; rebuilding it", tag); }
        }

        var image = await BuildAsync(pinned, registry, repository, tag, source, cancellation);
        File.WriteAllText(cacheFile, JsonSerializer.Serialize(image));
        return image;
    }

    async Task<BaseImage> BuildAsync(IReadOnlyDictionary<string, string> packages, RegistryEndpoint registry, string repository, string tag, SourceInfo source, CancellationToken cancellation)
    {
        var work = (workDirectory / tag).CreateDirectory();
        var debs = (work / "debs").CreateDirectory();
        var rootfs = work / "rootfs";
        var layout = work / "oci";
        if (Directory.Exists(rootfs)) Directory.Delete(rootfs, recursive: true);
        if (Directory.Exists(layout)) Directory.Delete(layout, recursive: true);
        rootfs.CreateDirectory();

        await tools.Apt.DownloadAsync(packages.Select(p => $"{p.Key}={p.Value}"), debs, cancellation);
        var statusDir = (rootfs / "var" / "lib" / "dpkg" / "status.d").CreateDirectory();
        foreach (var deb in Directory.GetFiles(debs, "*.deb").Order(StringComparer.Ordinal))
        {
            await tools.Dpkg.ExtractAsync(deb, rootfs, cancellation);
            var control = await tools.Dpkg.ControlAsync(deb, cancellation);
            var name = control.Split('\n').First(l => l.StartsWith("Package:", StringComparison.Ordinal))["Package:".Length..].Trim();
            // Scanners (trivy, syft) read distroless-style status.d entries; "Status" marks the package installed.
            File.WriteAllText(statusDir / name, control.TrimEnd('\n').Replace("\nDescription:", "\nStatus: install ok installed\nDescription:", StringComparison.Ordinal) + "\n");
        }
        RootFilesystem.Finish(rootfs, NonRootUid);

        await tools.Umoci.InitAsync(layout, cancellation);
        var image = $"{layout}:{tag}";
        await tools.Umoci.NewAsync(image, cancellation);
        await tools.Umoci.InsertAsync(image, rootfs, "/", cancellation);
        await tools.Umoci.ConfigAsync(image, s => s with
        {
            User = $"{NonRootUid}:{NonRootUid}",
            WorkingDirectory = "/app",
            Environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],
            Labels = source.Labels("ClusterSnek base (Debian packages, no shell)"),
            Created = source.Created,
        }, cancellation);

        await tools.Skopeo.CopyAsync($"oci:{layout}:{tag}", $"docker://{repository}:{tag}", !registry.PlainHttp, registry.AuthFile, cancellation);
        var pushed = await tools.Skopeo.InspectAsync($"docker://{repository}:{tag}", !registry.PlainHttp, registry.AuthFile, cancellation);
        Directory.Delete(rootfs, recursive: true);
        Log.Information("Base image built from {Count} Debian packages: {Repository}@{Digest}", packages.Count, repository, pushed.Digest);
        return new BaseImage(repository, tag, pushed.Digest, packages, Reused: false);
    }

    static string Key(IReadOnlyDictionary<string, string> packages)
    {
        var text = RecipeVersion + "\n" + string.Join('\n', packages.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
