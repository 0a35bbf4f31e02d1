using System.Reflection;

namespace ClusterSnek.Services;

/// <summary>
/// Who this process is, from its code and build, never from configuration: the service's name, the service it calls (if any),
/// its version and the source revision it was built from (the image's <c>org.opencontainers.image.revision</c>).
/// </summary>
internal sealed record ServiceIdentity(string Name, string? Calls, string Version, string? Revision)
{
    /// <summary>
    /// Version and revision from the app assembly's informational version, <c>1.0.0+&lt;commit&gt;</c>: the SDK appends the
    /// commit (SourceRevisionId, which BuildImages sets to the image's revision label; a git checkout gives its HEAD).
    /// </summary>
    public static ServiceIdentity Of(string name, string? calls, Type app)
    {
        var informational = app.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? app.Assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0
            ? new ServiceIdentity(name, calls, informational, null)
            : new ServiceIdentity(name, calls, informational[..plus], informational[(plus + 1)..]);
    }
}
