namespace ClusterSnek.Tools;

/// <summary>dpkg-deb: unpack a .deb into a folder and read its control fields, without installing it.</summary>
public sealed class DpkgDeb(ResolvedTool tool) : ToolWrapper(tool)
{
    public static DpkgDeb Resolve(string? path = null)
    {
        var found = path ?? Toolchain.FindOnPath("dpkg-deb");
        if (found is null || !File.Exists(found))
            throw new ToolUnavailableException($"dpkg-deb not found{(path is null ? " on PATH" : $" at {path}")}: the base image is unpacked from Debian packages. Install dpkg (apt-get install -y dpkg).");
        return new DpkgDeb(new ResolvedTool(new ToolPin("dpkg-deb", "any", new DebianSource("dpkg"), null, ["--version"]), "any", found, "PATH"));
    }

    public Task<ToolResult> ExtractAsync(string deb, string directory, CancellationToken cancellation = default) =>
        RunAsync(["-x", deb, directory], null, cancellation);

    /// <summary>The package's file system as an uncompressed tar (<c>dpkg-deb --fsys-tarfile</c>), whatever compression the .deb uses.</summary>
    public Task<ToolResult> FsysTarfileAsync(string deb, string tarFile, CancellationToken cancellation = default) =>
        RunToFileAsync(["--fsys-tarfile", deb], tarFile, cancellation);

    /// <summary>The control file (Package, Version, Architecture, ...), as dpkg would store it.</summary>
    public async Task<string> ControlAsync(string deb, CancellationToken cancellation = default) =>
        (await RunAsync(["-f", deb], null, cancellation)).StandardOutput;
}
