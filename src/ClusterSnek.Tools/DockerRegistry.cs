using System.Diagnostics;

namespace ClusterSnek.Tools;

/// <summary>The Distribution registry (<c>docker-registry serve</c>), started as a detached process that outlives the run when asked.</summary>
public sealed class DockerRegistry(ResolvedTool tool)
{
    public ResolvedTool Tool { get; } = tool;

    /// <summary>
    /// Starts <c>docker-registry serve CONFIG</c> with its output appended to <paramref name="logFile"/>. /bin/sh only redirects and
    /// execs (the paths are positional arguments, never part of the script), so the returned PID is the registry's own.
    /// </summary>
    public int Start(string configFile, string logFile)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in new[] { "-c", "exec \"$0\" serve \"$1\" >>\"$2\" 2>&1 </dev/null", Tool.Path, configFile, logFile }) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new ToolUnavailableException($"could not start {Tool.Path}.");
        process.StandardInput.Close();
        return process.Id;
    }
}
