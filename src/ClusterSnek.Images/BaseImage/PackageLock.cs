using System.Globalization;
using System.Security.Cryptography;

namespace ClusterSnek.Images;

/// <summary>One Debian package of the base, pinned: exact version, size and sha256 of its .deb, and where Debian serves it.</summary>
public sealed record LockedPackage(string Name, string Version, string Architecture, long Size, string Sha256, Uri Url)
{
    public override string ToString() => $"{Name} {Version}";
}

/// <summary>
/// BaseImage/packages.lock: the base's Debian packages pinned by version and sha256, written on purpose by
/// <c>./build.sh LockBasePackages</c> and read by every build. One package a line: name version architecture size sha256 url.
/// </summary>
public sealed record PackageLock(IReadOnlyList<LockedPackage> Packages)
{
    public const string FileName = "packages.lock";
    const string Header = """
        # The base image's Debian packages, pinned. Written by ./build.sh LockBasePackages from packages.txt and apt/sources.list
        # (the project's own apt configuration and keyring); never edit by hand. BuildImages downloads each URL and refuses a .deb
        # whose size or sha256 differs.
        # package version architecture size sha256 url
        """;

    public static PackageLock Read(string file)
    {
        if (!File.Exists(file))
            throw new InvalidOperationException($"{file} does not exist: run ./build.sh LockBasePackages to pin the base image's Debian packages.");
        var packages = new List<LockedPackage>();
        var number = 0;
        foreach (var raw in File.ReadLines(file))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 6 || !long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || f[4].Length != 64
                || !f[4].All(char.IsAsciiHexDigitLower) || !Uri.TryCreate(f[5], UriKind.Absolute, out var url))
                throw new InvalidOperationException($"{file}:{number}: expected 'package version architecture size sha256 url', got '{line}'. "
                    + "Regenerate it with ./build.sh LockBasePackages.");
            packages.Add(new LockedPackage(f[0], f[1], f[2], size, f[4], url));
        }
        return new PackageLock(packages);
    }

    public string ToText() => Header + "\n" + string.Concat(Packages.OrderBy(p => p.Name, StringComparer.Ordinal)
        .Select(p => $"{p.Name} {p.Version} {p.Architecture} {p.Size.ToString(CultureInfo.InvariantCulture)} {p.Sha256} {p.Url.AbsoluteUri}\n"));

    /// <summary>The lock must name exactly the packages of packages.txt; otherwise it is stale and the message says how to refresh it.</summary>
    public void CheckCovers(IReadOnlyList<string> wanted, string lockFile)
    {
        var locked = Packages.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Where(w => !locked.Contains(w)).ToList();
        var extra = locked.Where(l => !wanted.Contains(l)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidOperationException($"{lockFile} does not match packages.txt ("
                + string.Join("; ", new[] { missing.Count > 0 ? "not locked: " + string.Join(", ", missing) : null,
                    extra.Count > 0 ? "locked but not listed: " + string.Join(", ", extra) : null }.Where(s => s is not null))
                + "): run ./build.sh LockBasePackages.");
    }

    /// <summary>Key of the base image's cache: the locked files (their sha256s), whatever apt the host has.</summary>
    public string ContentKey(string recipeVersion) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        recipeVersion + "\n" + string.Join('\n', Packages.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={p.Version}@{p.Sha256}")))));

    /// <summary>Parses the lines of <c>apt-get download --print-uris</c>: 'URL' file_version_arch.deb size SHA256:hex.</summary>
    public static PackageLock FromPrintUris(string output, IReadOnlyList<string> wanted)
    {
        var packages = new List<LockedPackage>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 4 || !f[3].StartsWith("SHA256:", StringComparison.Ordinal))
                throw new InvalidOperationException($"apt-get download --print-uris printed '{line}'; expected 'URL file size SHA256:hex' (apt 2.x).");
            var parts = Path.GetFileNameWithoutExtension(f[1]).Split('_');
            packages.Add(new LockedPackage(parts[0], Uri.UnescapeDataString(parts[1]), parts[2], long.Parse(f[2], CultureInfo.InvariantCulture), f[3]["SHA256:".Length..].ToLowerInvariant(),
                new Uri(f[0].Trim('\''))));
        }
        var lockFile = new PackageLock(packages);
        lockFile.CheckCovers(wanted, "apt's answer");
        return lockFile;
    }
}
