namespace ClusterSnek.Tools;

/// <summary>A tool ready to run: its pin, the version it reports, its path, and how it was found.</summary>
public sealed record ResolvedTool(ToolPin Pin, string Version, string Path, string Origin)
{
    public string Name => Pin.Name;

    /// <summary>Major version as a number (helm 3 vs 4 flag names), 0 when unknown.</summary>
    public int Major => int.TryParse(Version.TrimStart('v').Split('.')[0], out var m) ? m : 0;
}

/// <summary>A tool that cannot be made available; the message says what to run.</summary>
public sealed class ToolUnavailableException(string message) : Exception(message);
