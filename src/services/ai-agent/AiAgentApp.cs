namespace ClusterSnek.Services.AiAgent;

/// <summary>The agent: answers questions about the deployment with the MCP server's tools (a model is optional).</summary>
public static class AiAgentApp
{
    /// <summary>Defaults; appsettings.json, /etc/clustersnek/appsettings.json, env and args override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Service:Port"] = "8082",
        ["Ai:Enabled"] = "false",
    };

    /// <summary>The ai-agent, calling the mcp-server; version and revision from this assembly.</summary>
    internal static readonly ServiceIdentity Identity = ServiceIdentity.Of("ai-agent", "mcp-server", typeof(AiAgentApp));

    /// <summary>The web app, or <c>probe &lt;url&gt;</c> (what the chart's helm test pods run).</summary>
    public static Task<int> Main(string[] args) => Probe.MainAsync(args, Build);

    public static WebApplication Build(string[] args)
    {
        var builder = ServiceHost.CreateBuilder(args, Identity, Defaults);
        builder.Services.AddSingleton<McpTools>();
        builder.Services.AddSingleton<Agent>();
        var app = builder.Build();
        app.MapStandardEndpoints();

        app.MapGet("/api/ask", async (string? q, Agent agent, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(q)
                ? Results.BadRequest(new { error = "query parameter q is required" })
                : Results.Json(await agent.AnswerAsync(q, ct)));
        app.MapGet("/api/chain", async (McpTools tools, Downstream mcp, CancellationToken ct) =>
        {
            // The last hop goes through MCP itself (a tool call), then the server's own hop closes the chain.
            var info = await tools.CallAsync("deployment_info", new Dictionary<string, object?>(), ct);
            var rest = await mcp.ChainAsync(ct);
            return rest.Prepend(new ChainHop(Identity.Name, Environment.MachineName, DateTimeOffset.UtcNow,
                $"mcp deployment_info: {info}"));
        });
        return app;
    }
}
