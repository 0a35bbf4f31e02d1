using System.Diagnostics;
using ClusterSnek.Services.McpServer;

namespace ClusterSnek.Services.Tests;

/// <summary>
/// <c>&lt;service&gt; probe &lt;url&gt;</c>, run as the real service executable (what the chart's helm test pods run in the
/// distroless image, which has no wget): 0 for a 2xx answer, 1 for anything else, 2 for a usage error.
/// </summary>
[Collection("services")]
public sealed class ProbeTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_service_binary_probes_a_url_and_exits_by_its_answer()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build);

        var healthy = await RunProbeAsync(new Uri(mcp.Address, "healthz").ToString());
        var missing = await RunProbeAsync(new Uri(mcp.Address, "no-such-path").ToString());
        var nobody = await RunProbeAsync($"http://127.0.0.1:{RunningService.UnusedPort()}/healthz");
        var usage = await RunProbeAsync("not-a-url");

        Assert.Equal(0, healthy.Exit);
        Assert.Contains("→ 200", healthy.Output);
        Assert.Contains("\"service\":\"mcp-server\"", healthy.Output);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("→ 404", missing.Output);
        Assert.Equal(1, nobody.Exit);
        Assert.StartsWith("GET http://127.0.0.1:", nobody.Output);
        Assert.Equal(2, usage.Exit);
        Assert.StartsWith("usage: probe <http(s) url>", usage.Output);
    }

    static async Task<(int Exit, string Output)> RunProbeAsync(string url)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "mcp-server.dll"), "probe", url }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, output.Trim());
    }
}
