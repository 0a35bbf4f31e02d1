using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// Ctrl-C and kill -9 in the middle of a local-runtime Deploy (issue #16 item 3), for real: the Deploy → Verify path runs as
/// its own process through the engine (tests/ClusterSnek.Kube.Tests.Deployer), is signalled right after it logs that the new
/// revision is being played, and a request loop on loopback watches the release the whole time.
/// </summary>
[Collection("podman")]
public sealed class InterruptionTests(LocalRuntimeFixture fixture) : IClassFixture<LocalRuntimeFixture>
{
    CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("KILL", 137)]
    public async Task A_deploy_interrupted_while_the_new_revision_is_played_leaves_the_previous_one_serving_and_the_next_deploy_succeeds(
        string signal, int exitCode)
    {
        var port = LocalRuntimeFixture.Port();
        var web = fixture.App("web-int-" + signal.ToLowerInvariant());
        using var root = new DeployerRoot(fixture, web, port);
        Assert.Equal(0, await root.Run(root.Release(www: null)).ExitCodeAsync());

        int code;
        RequestLoop loop;
        await using (loop = new RequestLoop("/readyz", port))
        {
            while (loop.Answered < 10) await Task.Delay(20, Ct);
            using var run = root.Run(root.Release(www: "/www"));
            await run.LineContainingAsync("Playing revision 2");
            run.Signal(signal);
            code = await run.ExitCodeAsync();
            TestContext.Current.TestOutputHelper?.WriteLine(run.Output);
            var after = loop.Answered;
            while (loop.Answered < after + 10) await Task.Delay(20, Ct);
        }

        Assert.Equal(exitCode, code);
        Assert.Empty(loop.Failures);
        var history = new ReleaseHistory(Path.Combine(root.Path, "artifacts", "releases", "dev"));
        Assert.Equal(1, history.Current!.Revision);
        if (signal == "INT")
        {
            Assert.Equal(RevisionStatus.Failed, history.Read(2).Status);
            using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(root.Path, "artifacts", "pipeline.json")));
            var rollback = record.RootElement.GetProperty("deployment").GetProperty("rollback");
            Assert.Equal("interrupted before the switch: revision 1 kept serving", rollback.GetProperty("summary").GetString());
        }

        // The next run recovers without a manual step: what the interrupted one left is removed, and it deploys.
        using var next = root.Run(root.Release(www: "/www"));
        Assert.Equal(0, await next.ExitCodeAsync());
        Assert.Equal(3, history.Current!.Revision);
        Assert.Equal(RevisionStatus.Verified, history.Current.Status);
        Assert.Equal(RevisionStatus.Failed, history.Read(2).Status);
    }

    /// <summary>A checkout for the deployer process: its own artifacts/, the fixture's podman storage and tools.</summary>
    sealed class DeployerRoot : IDisposable
    {
        readonly LocalRuntimeFixture fixture;
        readonly PinnedImage image;
        readonly int port;

        public DeployerRoot(LocalRuntimeFixture fixture, PinnedImage image, int port)
        {
            (this.fixture, this.image, this.port) = (fixture, image, port);
            Directory.CreateDirectory(System.IO.Path.Combine(Path, ".nuke"));
        }

        public string Path { get; } = System.IO.Path.Combine(TestImage.Cache, "deployer-" + Guid.NewGuid().ToString("N")[..8]);

        public string Release(string? www)
        {
            var file = System.IO.Path.Combine(Path, $"release-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(file, LocalRuntimeFixture.Rendered(image.Service, image.Pinned, port, www));
            return file;
        }

        public DeployerRun Run(string release) => DeployerRun.Start(Path, "Deploy", "--release", release, "--images", $"{image.Service}={image.Pinned}",
            "--cache", TestImage.Cache, "--ports", $"{image.Service}={port.ToString(CultureInfo.InvariantCulture)}");

        public void Dispose()
        {
            // What the last run left running goes, by its own pods and entry point (never anything else in the shared storage).
            var deployment = new LocalDeployment(fixture.Podman, System.IO.Path.Combine(Path, "artifacts"),
                new LocalTarget("dev", "clustersnek-dev", "clustersnek", []), fixture.Http);
            deployment.Runtime.RecoverAsync().GetAwaiter().GetResult();
            deployment.Runtime.DownAsync().GetAwaiter().GetResult();
            Directory.Delete(Path, recursive: true);
        }
    }

    /// <summary>The deployer process, its output, and signals sent to it as a terminal (SIGINT) or a kill -9 would.</summary>
    sealed class DeployerRun : IDisposable
    {
        readonly Process process;
        readonly List<string> lines = [];

        DeployerRun(Process process) => this.process = process;

        public static DeployerRun Start(string root, params string[] args)
        {
            var info = new ProcessStartInfo(ClusterSnek.Tools.DotNet.Resolve().Path) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "ClusterSnek.Kube.Tests.Deployer.dll"));
            foreach (var a in args) info.ArgumentList.Add(a);
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CLUSTERSNEK_", StringComparison.Ordinal)).ToList())
                info.Environment.Remove(name);
            info.Environment["CLUSTERSNEK_ROOT"] = root;
            var run = new DeployerRun(new Process { StartInfo = info });
            run.process.OutputDataReceived += (_, e) => run.Add(e.Data);
            run.process.ErrorDataReceived += (_, e) => run.Add(e.Data);
            run.process.Start();
            run.process.BeginOutputReadLine();
            run.process.BeginErrorReadLine();
            return run;
        }

        void Add(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
        }

        public string Output { get { lock (lines) return string.Join("\n", lines); } }

        public async Task LineContainingAsync(string text)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                lock (lines) if (lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return;
                if (process.HasExited) break;
                await Task.Delay(10);
            }
            throw new TimeoutException($"no line with '{text}'; output:\n{Output}");
        }

        public void Signal(string name)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, process.Id.ToString(CultureInfo.InvariantCulture)]))!;
            kill.WaitForExit();
        }

        public async Task<int> ExitCodeAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(limit.Token);
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }
}
