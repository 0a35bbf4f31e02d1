using System.Diagnostics;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// Requests a release's ports on 127.0.0.1 back to back while something happens to it, each on a new connection (as curl or
/// a browser's first request would), and keeps every failure and the longest time between two answers per port. Loopback
/// only, and bounded: it stops when disposed, or after two minutes at the latest.
/// </summary>
public sealed class RequestLoop : IAsyncDisposable
{
    readonly CancellationTokenSource stop = new(TimeSpan.FromMinutes(2));
    readonly List<string> failures = [];
    readonly Dictionary<int, TimeSpan> longest = [];
    readonly Task[] loops;
    int answered;

    public RequestLoop(string path, params int[] ports) => loops = ports.Select(p => Task.Run(() => LoopAsync(p, path))).ToArray();

    public IReadOnlyList<string> Failures { get { lock (failures) return [.. failures]; } }

    public int Answered => Volatile.Read(ref answered);

    /// <summary>The longest time any port went without a 2xx answer (measured, reported, never asserted).</summary>
    public TimeSpan LongestGap { get { lock (longest) return longest.Values.DefaultIfEmpty().Max(); } }

    async Task LoopAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = clock.Elapsed;
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}{path}"));
            request.Headers.ConnectionClose = true;
            string? failure = null;
            try
            {
                using var response = await http.SendAsync(request, stop.Token);
                if (!response.IsSuccessStatusCode) failure = $"{port}: HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { failure = $"{port}: {e.Message}"; }
            var now = clock.Elapsed;
            if (failure is null)
            {
                lock (longest) longest[port] = new[] { longest.GetValueOrDefault(port), now - last }.Max();
                last = now;
                Interlocked.Increment(ref answered);
            }
            else lock (failures) failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {failure}");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        stop.Dispose();
    }
}
