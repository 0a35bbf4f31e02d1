using ClusterSnek.Pipeline;

namespace ClusterSnek.Tools;

/// <summary>
/// A target's need for a tool, checked before anything runs: satisfied when the tool is installed, installable
/// (npm for pinned binaries, apt-get as root for Debian tools), or given by path; otherwise the message says what to run.
/// </summary>
public sealed record ToolRequirement(ToolPin Pin, Toolchain Toolchain) : IRequirement
{
    public string Name => Pin.Name;

    public string? Check()
    {
        if (Toolchain.ExplicitPath(Pin.Name) is { Length: > 0 } given)
            return File.Exists(given) ? null : $"{Pin.Name}: --{Pin.Name}-path {given} does not exist";
        return Pin.Source switch
        {
            DebianSource d when Toolchain.FindOnPath(Pin.Name) is null && !Toolchain.CanInstallDebian =>
                $"{Pin.Name} (Debian package {d.Package}), not installed: run 'sudo apt-get install -y {d.Package}'",
            NpmSource when !File.Exists(Toolchain.InstalledPath(Pin)) && Toolchain.FindOnPath("npm") is null =>
                $"{Pin.Name} {Pin.Version}, not installed and npm is missing to fetch it: install npm or pass --{Pin.Name}-path",
            _ => null,
        };
    }
}
