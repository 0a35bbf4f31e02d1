namespace ClusterSnek.Services;

/// <summary>
/// <c>&lt;service&gt; probe &lt;url&gt;</c>: one GET, exit 0 on a 2xx answer and 1 otherwise, one line on stdout either way.
/// The images are distroless (no shell, no wget), so this is what the chart's <c>helm test</c> pods run: the service's own
/// binary, through the image's own entrypoint, with the URL of the app's Service as the argument.
/// </summary>
internal static class Probe
{
    public const string Verb = "probe";

    /// <summary>Exit code of a usage error (no URL, or not an http(s) URL).</summary>
    public const int UsageExit = 2;

    public static bool Requested(string[] args) => args.Length > 0 && args[0] == Verb;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length != 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            await output.WriteLineAsync($"usage: probe <http(s) url>   (exits 0 when the url answers 2xx within 5 s; asked up to {Tries} times while it does not answer)");
            return UsageExit;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // An answer (any status) or a refused connection is the verdict; only silence is asked again: a busy node can hold a
        // request of a service that is up for longer than one try.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(url);
                var body = (await response.Content.ReadAsStringAsync()).Trim();
                await output.WriteLineAsync($"GET {url} → {(int)response.StatusCode} {(body.Length > 200 ? body[..200] + "…" : body)}".TrimEnd());
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (TaskCanceledException) when (attempt < Tries) { }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await output.WriteLineAsync($"GET {url} → {(e is TaskCanceledException ? $"no answer within 5 s ({Tries} tries)" : e.Message)}");
                return 1;
            }
        }
    }

    /// <summary>How many times a url that does not answer is asked (5 s each).</summary>
    const int Tries = 3;

    /// <summary>A service's entry point: the probe when asked for, else the web app.</summary>
    public static async Task<int> MainAsync(string[] args, Func<string[], Microsoft.AspNetCore.Builder.WebApplication> build)
    {
        if (Requested(args)) return await RunAsync(args, Console.Out);
        await build(args).RunAsync();
        return 0;
    }
}
