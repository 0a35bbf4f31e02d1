using System.Diagnostics;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// An artifacts/ folder (or pipeline.json) that cannot be written, as `chattr +i` leaves it: the real build refuses up front with
/// one line and exit 2, instead of an UnauthorizedAccessException on pipeline.json.tmp mid-run.
/// </summary>
public sealed class UnwritableArtifactsTests
{
    [Theory]
    [InlineData("Clean")]
    [InlineData("Clean --plan")]
    public void An_artifacts_folder_that_cannot_be_written_is_one_line_before_anything_runs(string args)
    {
        using var root = new ThrowawayRoot();
        using var frozen = Frozen.Make(root.Path / "artifacts", folder: true);
        var (exit, output) = root.Run(args.Split(' '));
        Assert.Equal(2, exit);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: artifacts/ cannot be written (Access to the path '<root>/artifacts/.write-probe-", output);
        Assert.EndsWith("every run records pipeline.json and its logs there. Make it writable for this user (chmod u+w; chattr -i when it is immutable) "
            + "and run again; nothing ran, and no stack trace was kept.", output.Trim());
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void An_immutable_pipeline_json_is_refused_before_anything_runs()
    {
        using var root = new ThrowawayRoot();
        var record = root.Path / "artifacts" / "pipeline.json";
        record.Parent.CreateDirectory();
        File.WriteAllText(record, "{}");
        using var frozen = Frozen.Make(record, folder: false);
        var (exit, output) = root.Run(["Clean"]);
        Assert.Equal(2, exit);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("error: artifacts/ cannot be written (", output);
        Assert.Contains("pipeline.json", output);
    }

    /// <summary>chattr +i as root (root ignores modes); chmod a-w otherwise. Undone on dispose so the folder can be deleted.</summary>
    sealed class Frozen(string path, bool immutable) : IDisposable
    {
        public static Frozen Make(string path, bool folder)
        {
            if (folder) Directory.CreateDirectory(path);
            var immutable = Environment.UserName == "root";
            if (immutable)
            {
                if (Chattr("+i", path) != 0) Assert.Skip("chattr +i is not supported on this file system");
            }
            else File.SetUnixFileMode(path, folder ? UnixFileMode.UserRead | UnixFileMode.UserExecute : UnixFileMode.UserRead);
            return new Frozen(path, immutable);
        }

        public void Dispose()
        {
            if (immutable) Chattr("-i", path);
            else File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        static int Chattr(string flag, string path)
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                return p.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception) { return -1; }
        }
    }
}
