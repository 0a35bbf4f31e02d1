using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>
/// The project's own apt configuration (BaseImage/apt: sources.list + trusted.gpg.d keyring), written as an APT_CONFIG file whose
/// every Dir::Etc/Dir::State/Dir::Cache setting points into the repository or a work folder: no host source, keyring, preference
/// or apt.conf.d snippet is read, so a Debian laptop and an Ubuntu runner resolve the same .deb files.
/// </summary>
public sealed class ProjectApt(AbsolutePath aptDirectory, AbsolutePath workDirectory)
{
    public AbsolutePath SourcesList => aptDirectory / "sources.list";
    public AbsolutePath TrustedParts => aptDirectory / "trusted.gpg.d";

    /// <summary>Writes the configuration file (and its empty folders) under the work folder; returns its path for APT_CONFIG.</summary>
    public AbsolutePath WriteConfig()
    {
        if (!File.Exists(SourcesList)) throw new InvalidOperationException($"{SourcesList} is missing: the base image's apt sources live in the repository.");
        if (!Directory.EnumerateFiles(TrustedParts, "*.gpg").Any())
            throw new InvalidOperationException($"{TrustedParts} holds no *.gpg keyring: apt would refuse the Debian archive's signatures.");
        var empty = (workDirectory / "empty.d").CreateDirectory();
        var etc = (workDirectory / "etc").CreateDirectory();
        var state = (workDirectory / "state").CreateDirectory();
        (workDirectory / "lists" / "partial").CreateDirectory();
        (workDirectory / "cache" / "archives" / "partial").CreateDirectory();
        var file = workDirectory / "apt.conf";
        string Q(string path) => "\"" + path + "\"";
        File.WriteAllLines(file,
        [
            "// Written by ClusterSnek (ProjectApt): nothing of the host's apt configuration is read.",
            // Dir::Etc first: any setting left relative resolves in this empty folder, not in /etc/apt.
            $"Dir::Etc {Q(etc)};",
            $"Dir::Etc::Main {Q("/dev/null")};",
            $"Dir::Etc::Netrc {Q("/dev/null")};",
            $"Dir::Etc::NetrcParts {Q(empty)};",
            $"Dir::Etc::Parts {Q(empty)};",
            $"Dir::Etc::SourceList {Q(SourcesList)};",
            $"Dir::Etc::SourceParts {Q(empty)};",
            $"Dir::Etc::Trusted {Q("/dev/null")};",
            $"Dir::Etc::TrustedParts {Q(TrustedParts)};",
            $"Dir::Etc::Preferences {Q("/dev/null")};",
            $"Dir::Etc::PreferencesParts {Q(empty)};",
            $"Dir::State {Q(state)};",
            $"Dir::State::Lists {Q(workDirectory / "lists")};",
            $"Dir::State::status {Q("/dev/null")};",
            $"Dir::Cache {Q(workDirectory / "cache")};",
            "APT::Architecture \"amd64\";",
            "APT::Architectures { \"amd64\"; };",
            "Acquire::Languages \"none\";",
            "Debug::NoLocking \"true\";",
        ]);
        return file;
    }

    /// <summary>Resolves the current version of each package from the project's sources: apt-get update, then --print-uris.</summary>
    public async Task<PackageLock> ResolveAsync(AptGet apt, IReadOnlyList<string> packages, CancellationToken cancellation)
    {
        var config = WriteConfig();
        await apt.UpdateWithAsync(config, cancellation);
        var resolved = PackageLock.FromPrintUris(await apt.PrintDownloadUrisAsync(config, packages, cancellation), packages);
        Log.Information("Resolved {Count} Debian packages from {Sources}", resolved.Packages.Count, SourcesList);
        return resolved;
    }
}

/// <summary>LockBasePackages: resolves packages.txt with the project's apt configuration and rewrites packages.lock, saying what changed.</summary>
public static class BasePackageLocking
{
    public static async Task<PackageLock> UpdateAsync(AbsolutePath baseImageFolder, AptGet apt, AbsolutePath workDirectory, CancellationToken cancellation)
    {
        var packages = BaseImageBuilder.ReadPackageList(baseImageFolder / "packages.txt");
        var resolved = await new ProjectApt(baseImageFolder / "apt", workDirectory).ResolveAsync(apt, packages, cancellation);
        var lockFile = baseImageFolder / PackageLock.FileName;
        var before = File.Exists(lockFile) ? PackageLock.Read(lockFile).Packages.ToDictionary(p => p.Name) : [];
        foreach (var p in resolved.Packages)
        {
            var old = before.GetValueOrDefault(p.Name);
            if (old is null) Log.Information("Locked {Package} {Version} (new)", p.Name, p.Version);
            else if (old.Sha256 != p.Sha256) Log.Information("Locked {Package} {Version} (was {Old})", p.Name, p.Version, old.Version);
        }
        File.WriteAllText(lockFile, resolved.ToText());
        Log.Information("{File}: {Count} packages pinned by sha256", lockFile, resolved.Packages.Count);
        return resolved;
    }
}
