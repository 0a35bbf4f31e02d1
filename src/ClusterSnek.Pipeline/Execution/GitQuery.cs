using System.Diagnostics;

namespace ClusterSnek.Pipeline;

/// <summary>One read-only git question about a checkout (its commit, branch, remote, a commit's time).</summary>
public static class GitQuery
{
    /// <summary>git's trimmed answer, or null when git is missing, fails, or prints nothing (not a checkout, no remote).</summary>
    public static string? Read(AbsolutePath root, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEndAsync(); // drained, so a chatty git never blocks on a full pipe
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            _ = error.Result;
            return process.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
