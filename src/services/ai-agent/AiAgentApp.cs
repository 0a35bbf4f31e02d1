namespace ClusterSnek.Services.AiAgent;

/// <summary>The agent: answers questions about the deployment with the MCP server's tools (a model is optional).</summary>
public static class AiAgentApp
{
    /// <summary>Defaults; appsettings.json, /etc/clustersnek/appsettings.json, env and args override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Service:Name"] = "ai-agent",
        ["Service:Port"] = "8082",
        ["Downstream:Url"] = "http://127.0.0.1:8083",
        ["Ai:Enabled"] = "false",
    };

    public static Task Main(string[] args) => Build(args).RunAsync();

    public static WebApplication Build(string[] args)
    {
        var builder = ServiceHost.CreateBuilder(args, Defaults);
        builder.Services.AddSingleton<McpTools>();
        builder.Services.AddSingleton<Agent>();
        var app = builder.Build();
        app.MapStandardEndpoints();

        app.MapGet("/api/ask", async (string? q, Agent agent, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(q)
                ? Results.BadRequest(new { error = "query parameter q is required" })
                : Results.Json(await agent.AnswerAsync(q, ct)));
        app.MapGet("/api/chain", async (McpTools tools, Downstream mcp, IConfiguration config, CancellationToken ct) =>
        {
            // The last hop goes through MCP itself (a tool call), then the server's own hop closes the chain.
            var info = await tools.CallAsync("deployment_info", new Dictionary<string, object?>(), ct);
            var rest = await mcp.ChainAsync(ct);
            return rest.Prepend(new ChainHop(ServiceHost.ServiceName(config), Environment.MachineName, DateTimeOffset.UtcNow, $"mcp deployment_info: {info}"));
        });
        return app;
    }
}
