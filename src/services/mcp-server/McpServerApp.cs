using System.ComponentModel;
using ModelContextProtocol.Server;

namespace ClusterSnek.Services.McpServer;

/// <summary>The MCP server: read-only tools about the deployment over streamable HTTP at /mcp.</summary>
public static class McpServerApp
{
    /// <summary>Defaults; appsettings.json, /etc/clustersnek/appsettings.json, env and args override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Service:Port"] = "8083",
        ["Deployment:Environment"] = "dev",
        ["Deployment:Services:frontend"] = "http://127.0.0.1:8080",
        ["Deployment:Services:backend"] = "http://127.0.0.1:8081",
        ["Deployment:Services:ai-agent"] = "http://127.0.0.1:8082",
        ["Deployment:Services:mcp-server"] = "http://127.0.0.1:8083",
    };

    /// <summary>The mcp-server; version and revision from this assembly.</summary>
    internal static readonly ServiceIdentity Identity = ServiceIdentity.Of("mcp-server", null, typeof(McpServerApp));

    /// <summary>The web app, or <c>probe &lt;url&gt;</c> (what the chart's helm test pods run).</summary>
    public static Task<int> Main(string[] args) => Probe.MainAsync(args, Build);

    public static WebApplication Build(string[] args)
    {
        var builder = ServiceHost.CreateBuilder(args, Identity, Defaults);
        // Stateless: any replica can answer any request, so no session affinity is needed behind a Service.
        builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true).WithTools<DeploymentTools>();
        var app = builder.Build();
        app.MapStandardEndpoints();
        app.MapMcp("/mcp");
        app.MapGet("/api/chain", () => new ChainAnswer(
            [new ChainHop(Identity.Name, Environment.MachineName, DateTimeOffset.UtcNow, "served over HTTP; MCP tools at /mcp")]));
        return app;
    }
}

/// <summary>Read-only tools; each probes or reports, none changes anything.</summary>
[McpServerToolType]
public sealed class DeploymentTools(IHttpClientFactory clients, IConfiguration configuration)
{
    /// <summary>The services this server reports on: Deployment:Services:&lt;name&gt; = base URL.</summary>
    IReadOnlyDictionary<string, string> Services() =>
        configuration.GetSection("Deployment:Services").GetChildren().Where(c => c.Value is { Length: > 0 })
            .ToDictionary(c => c.Key, c => c.Value!.TrimEnd('/'));

    [McpServerTool(Name = "list_services", ReadOnly = true), Description("Lists the services of the deployment and their base URLs.")]
    public IReadOnlyDictionary<string, string> ListServices() => Services();

    [McpServerTool(Name = "service_status", ReadOnly = true), Description("Probes /healthz of each service (or of one, by name) and reports up or down.")]
    public async Task<IReadOnlyList<ServiceStatus>> ServiceStatusAsync(
        [Description("Service name; all services when empty")] string? service = null, CancellationToken cancellation = default)
    {
        var client = clients.CreateClient(Downstream.ClientName);
        var targets = Services().Where(s => string.IsNullOrEmpty(service) || s.Key.Equals(service, StringComparison.OrdinalIgnoreCase));
        var probes = targets.Select(async s =>
        {
            try
            {
                using var response = await client.GetAsync($"{s.Value}/healthz", cancellation);
                return new ServiceStatus(s.Key, response.IsSuccessStatusCode ? "up" : "down", $"HTTP {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new ServiceStatus(s.Key, "down", e.Message);
            }
        });
        return await Task.WhenAll(probes);
    }

    [McpServerTool(Name = "deployment_info", ReadOnly = true), Description("Reports the deployment's environment, version and commit, and this server's host.")]
    public DeploymentInfo DeploymentInfo() => new(
        configuration["Deployment:Environment"] ?? "unknown",
        configuration["Deployment:Version"] ?? "unknown",
        configuration["Deployment:Commit"] ?? "unknown",
        Environment.MachineName,
        Services().Count);
}

/// <summary>One service's probe result.</summary>
public sealed record ServiceStatus(string Service, string State, string Detail);

/// <summary>What deployment_info reports.</summary>
public sealed record DeploymentInfo(string Environment, string Version, string Commit, string Host, int ServiceCount);
