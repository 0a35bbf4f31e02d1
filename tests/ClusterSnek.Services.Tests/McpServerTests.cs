using System.Text.Json;
using ClusterSnek.Services.Backend;
using ClusterSnek.Services.McpServer;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ClusterSnek.Services.Tests;

[Collection("services")]
public sealed class McpServerTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<McpClient> ConnectAsync(RunningService server) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(server.Address, "mcp") }), cancellationToken: Ct);

    [Fact]
    public async Task The_server_offers_only_read_only_tools()
    {
        await using var server = await RunningService.StartAsync(McpServerApp.Build);
        await using var client = await ConnectAsync(server);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal(["deployment_info", "list_services", "service_status"], tools.Select(t => t.Name).Order().ToArray());
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint, $"{t.Name} is not marked read-only"));
    }

    [Fact]
    public async Task Service_status_reports_a_running_service_up_and_a_stopped_one_down()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build);
        var stopped = RunningService.UnusedPort();
        await using var server = await RunningService.StartAsync(McpServerApp.Build,
            $"Deployment:Services:backend={backend.Address.ToString().TrimEnd('/')}", $"Deployment:Services:ghost=http://127.0.0.1:{stopped}");
        await using var client = await ConnectAsync(server);
        var result = await client.CallToolAsync("service_status", new Dictionary<string, object?>(), cancellationToken: Ct);
        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        var states = JsonDocument.Parse(text).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("service").GetString()!, e => e.GetProperty("state").GetString());
        Assert.Equal("up", states["backend"]);
        Assert.Equal("down", states["ghost"]);
    }
}
