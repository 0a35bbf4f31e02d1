using System.Diagnostics;
using ClusterSnek.Pipeline;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Images;

/// <summary>Runs an image in podman hardened the way the chart runs it and checks it: /healthz within 30 s (a start, not a speed test: a loaded CI machine needs the room), uid 65532, RO rootfs.</summary>
public sealed class SmokeTest(Podman podman)
{
    public static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs the image listening on a free loopback port given through the service contract (ASPNETCORE_HTTP_PORTS), not on
    /// the service's own port: a running release of this or another checkout, or any other program, may hold that one.
    /// </summary>
    public async Task<SmokeResult> RunAsync(string image, string name, string healthPath, CancellationToken cancellation)
    {
        var port = LoopbackPort.Free();
        var container = $"clustersnek-smoke-{name}-{Guid.NewGuid():N}"[..40];
        try
        {
            await podman.RunDetachedAsync(new PodmanRunSettings(image, container)
            {
                User = $"{BaseImageBuilder.NonRootUid}:{BaseImageBuilder.NonRootUid}",
                // The contract's names (src/services/common/ServiceContract.cs); loopback only, as on the local runtime.
                Environment = new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = port.ToString(), ["CLUSTERSNEK_LISTEN_ADDRESS"] = "127.0.0.1" },
            }, cancellation);
            var clock = Stopwatch.StartNew();
            var healthy = await WaitHealthyAsync(port, healthPath, cancellation);
            var elapsed = clock.ElapsedMilliseconds;
            var hardening = await podman.InspectAsync(container, cancellation);
            var uid = await ProcessUidAsync(container, cancellation);
            var capsDropped = hardening.CapDrop.Any(c => c.Equals("ALL", StringComparison.OrdinalIgnoreCase)) || hardening.CapAdd.Count == 0;
            string? failure = !healthy ? $"{healthPath} did not answer 200 within {HealthDeadline.TotalSeconds:0} s; last log: {await LastLogAsync(container, cancellation)}"
                : uid != BaseImageBuilder.NonRootUid.ToString() ? $"the process runs as uid {uid}, not {BaseImageBuilder.NonRootUid}"
                : !hardening.ReadOnlyRootfs ? "the root filesystem is writable"
                : null;
            var result = new SmokeResult(failure is null, elapsed, uid, hardening.ReadOnlyRootfs, capsDropped, failure);
            Log.Information("Smoke {Service}: {Outcome} (healthy after {Ms} ms, uid {Uid}, read-only rootfs {ReadOnly})",
                name, result.Passed ? "passed" : "FAILED: " + failure, elapsed, uid, hardening.ReadOnlyRootfs);
            return result;
        }
        finally { await podman.RemoveAsync(container, CancellationToken.None); }
    }

    static async Task<bool> WaitHealthyAsync(int port, string path, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        return await Readiness.WaitAsync(async token =>
        {
            // Not listening yet, or too slow to answer (the client's 1 s timeout): not healthy yet.
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}{path}", token);
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, healthy => healthy, HealthDeadline, TimeSpan.FromMilliseconds(150), cancellation);
    }

    /// <summary>The uid of the container's main process as ps sees it from the host (no shell needed inside).</summary>
    async Task<string> ProcessUidAsync(string container, CancellationToken cancellation)
    {
        var top = await podman.TopAsync(container, cancellation);
        var lines = top.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length >= 2 ? lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] : "unknown";
    }

    async Task<string> LastLogAsync(string container, CancellationToken cancellation)
    {
        var logs = await podman.LogsAsync(container, 30, cancellation);
        return logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "(none)";
    }
}
