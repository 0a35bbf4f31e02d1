using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

namespace ClusterSnek.Supply.Tests;

/// <summary>The real pinned trivy and skopeo, resolved the way the pipeline does (checksum-verified trivy in .nuke/tools).</summary>
public static class RealTools
{
    public static AbsolutePath RepositoryRoot { get; } = FindRoot();
    static readonly Toolchain Chain = Toolchain.ForRoot(RepositoryRoot);
    public static string TrivyCache => RepositoryRoot / ".nuke" / "temp" / "trivy-cache";

    static AbsolutePath FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClusterSnek.sln"))) return new AbsolutePath(dir.FullName);
        throw new InvalidOperationException("ClusterSnek.sln not found above the test binaries.");
    }

    public static async Task<Trivy> TrivyAsync() => new(await Chain.ResolveAsync(ToolPins.Trivy), TrivyCache);
    public static async Task<Skopeo> SkopeoAsync() => new(await Chain.ResolveAsync(ToolPins.Skopeo));

    /// <summary>A fake GitHub token built at run time, so this source file itself holds no secret-shaped text.</summary>
    public static string FakeToken { get; } = "ghp" + "_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    /// <summary>Files of a small Debian-like image: os-release, one dpkg package with its licence, and a .NET deps.json.</summary>
    public static Dictionary<string, string> ImageFiles(bool withSecret) => new()
    {
        ["etc/os-release"] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        ["etc/debian_version"] = "12.7\n",
        ["var/lib/dpkg/status"] = "Package: zlib1g\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 160\nMaintainer: Mark Brown <broonie@debian.org>\nArchitecture: amd64\nMulti-Arch: same\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nDescription: compression library - runtime\n\n",
        ["usr/share/doc/zlib1g/copyright"] = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Zlib\n",
        ["app/backend.deps.json"] = """
            {"runtimeTarget":{"name":".NETCoreApp,Version=v10.0/linux-x64"},"targets":{".NETCoreApp,Version=v10.0/linux-x64":{"backend/1.0.0":{"dependencies":{"Serilog":"4.4.0"}},"Serilog/4.4.0":{"runtime":{"lib/net9.0/Serilog.dll":{}}}}},
             "libraries":{"backend/1.0.0":{"type":"project","serviceable":false,"sha512":""},"Serilog/4.4.0":{"type":"package","serviceable":true,"sha512":"sha512-x","path":"serilog/4.4.0"}}}
            """,
        [withSecret ? "app/settings.txt" : "app/readme.txt"] = withSecret ? $"github_token = \"{FakeToken}\"\n" : "nothing to see\n",
    };
}
