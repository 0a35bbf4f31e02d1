using System.Security.Cryptography;
using System.Text;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>
/// The key that seals cache entries (HMAC-SHA256): --cache-key (a secret parameter; CI passes it from its secret store), else
/// ~/.clustersnek/cache-key, created 0600 on first use. It lives outside the checkout, so whoever can write .nuke/cache cannot
/// write an entry the pipeline accepts.
/// </summary>
internal sealed class CacheKey
{
    public const string FileName = "cache-key";
    readonly byte[] key;

    CacheKey(byte[] key, string source) { this.key = key; Source = source; }

    /// <summary>Where the key came from, for the debug log (never the key).</summary>
    public string Source { get; }

    public static CacheKey FromSecret(string value) => new(Encoding.UTF8.GetBytes(value), "--cache-key");

    /// <summary>--cache-key when given, else the key file under the home folder (made on first use); null when neither can be had.</summary>
    public static CacheKey? Resolve(string? parameter, Func<string, string?> environment, AbsolutePath root)
    {
        if (!string.IsNullOrEmpty(parameter)) return FromSecret(parameter);
        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            Log.Warning("No home folder for the cache key (~/.clustersnek/{File}) and no --cache-key: nothing is replayed from .nuke/cache", FileName);
            return null;
        }
        var file = new AbsolutePath(Path.GetFullPath(home)) / ".clustersnek" / FileName;
        if (file.IsInside(root))
        {
            Log.Warning("The cache key {File} would be inside the checkout; pass --cache-key instead: nothing is replayed from .nuke/cache", file);
            return null;
        }
        try { return new CacheKey(ReadOrCreate(file), file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Log.Warning("Cache key {File} cannot be used ({Reason}); pass --cache-key: nothing is replayed from .nuke/cache", file, e.Message);
            return null;
        }
    }

    static byte[] ReadOrCreate(AbsolutePath file)
    {
        if (!File.Exists(file))
        {
            var folder = file.Parent;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using var stream = new FileStream(file, options);
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n"));
                Log.Information("Created the cache key {File} (0600): it seals .nuke/cache entries; keep it out of the checkout", file);
            }
            catch (IOException) when (File.Exists(file)) { } // another run made it first
        }
        return Convert.FromHexString(File.ReadAllText(file).Trim());
    }

    /// <summary>HMAC-SHA256 of the text, hex.</summary>
    public string Seal(string text) => "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));

    public bool Verifies(string text, string? mac) =>
        mac is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Seal(text)), Encoding.ASCII.GetBytes(mac));
}
