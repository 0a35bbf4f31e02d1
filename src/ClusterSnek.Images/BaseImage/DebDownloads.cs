using System.Security.Cryptography;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>
/// Fetches the locked .deb files by their URLs (plain HTTP to Debian's archive: no apt, so any host gets the same files) into a
/// cache shared by checkouts (named by sha256), and refuses a file whose size or sha256 differs from the lock.
/// </summary>
public sealed class DebDownloads(AbsolutePath cacheDirectory, HttpClient? http = null)
{
    static readonly HttpClient Shared = new() { Timeout = TimeSpan.FromMinutes(5) };
    readonly HttpClient client = http ?? Shared;

    /// <summary>$XDG_CACHE_HOME/clustersnek/debs (else ~/.cache/clustersnek/debs): the files are content-addressed, so every checkout can share them.</summary>
    public static AbsolutePath DefaultCache => new AbsolutePath(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")) / "clustersnek" / "debs";

    /// <summary>The verified local file of each package, in lock order.</summary>
    public async Task<IReadOnlyList<(LockedPackage Package, string File)>> FetchAsync(PackageLock packageLock, CancellationToken cancellation)
    {
        cacheDirectory.CreateDirectory();
        var files = new List<(LockedPackage, string)>();
        var fetched = 0;
        foreach (var package in packageLock.Packages)
        {
            var file = cacheDirectory / $"{package.Sha256}.deb";
            if (!File.Exists(file) || !await MatchesAsync(file, package, cancellation))
            {
                await DownloadAsync(package, file, cancellation);
                fetched++;
            }
            files.Add((package, file));
        }
        Log.Information("Debian packages: {Count} verified against packages.lock ({Fetched} downloaded, the rest from {Cache})", files.Count, fetched, cacheDirectory);
        return files;
    }

    async Task DownloadAsync(LockedPackage package, string file, CancellationToken cancellation)
    {
        var partial = file + "." + Guid.NewGuid().ToString("N")[..8] + ".partial";
        try
        {
            using (var response = await client.GetAsync(package.Url, HttpCompletionOption.ResponseHeadersRead, cancellation))
            {
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{package}: {package.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}"
                        + (response.StatusCode == System.Net.HttpStatusCode.NotFound
                            ? ". Debian no longer serves this version (superseded); pin the current one with ./build.sh LockBasePackages." : "."));
                await using var output = File.Create(partial);
                await response.Content.CopyToAsync(output, cancellation);
            }
            var (size, sha256) = await HashAsync(partial, cancellation);
            if (size != package.Size || sha256 != package.Sha256)
                throw new InvalidOperationException($"{package}: {package.Url} has size {size} and sha256 {sha256}, but packages.lock pins size {package.Size} "
                    + $"and sha256 {package.Sha256}. Refusing it: the file changed or was tampered with. If Debian really rebuilt it, "
                    + "review and re-pin with ./build.sh LockBasePackages.");
            File.Move(partial, file, overwrite: true);
        }
        finally { if (File.Exists(partial)) File.Delete(partial); }
    }

    static async Task<bool> MatchesAsync(string file, LockedPackage package, CancellationToken cancellation)
    {
        var (size, sha256) = await HashAsync(file, cancellation);
        if (size == package.Size && sha256 == package.Sha256) return true;
        Log.Warning("{Package}: cached {File} does not match packages.lock (sha256 {Actual}); downloading it again", package, file, sha256);
        return false;
    }

    static async Task<(long Size, string Sha256)> HashAsync(string file, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(file);
        return (stream.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation)));
    }
}
