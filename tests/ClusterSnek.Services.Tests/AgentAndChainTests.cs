using System.Net.Http.Json;
using System.Text.Json;
using ClusterSnek.Services.AiAgent;
using ClusterSnek.Services.Backend;
using ClusterSnek.Services.Frontend;
using ClusterSnek.Services.McpServer;

namespace ClusterSnek.Services.Tests;

[Collection("services")]
public sealed class AgentAndChainTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_model_a_status_question_is_answered_by_the_service_status_tool()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build, "Deployment:Environment=staging");
        await using var agent = await RunningService.StartAsync(AiAgentApp.Build, RunningService.DownstreamAt(mcp.Address));
        var answer = await agent.Http.GetFromJsonAsync<JsonElement>("api/ask?q=what%20is%20the%20status%3F", Ct);
        Assert.Equal("rules", answer.GetProperty("mode").GetString());
        Assert.Equal(["service_status"], answer.GetProperty("toolsUsed").EnumerateArray().Select(t => t.GetString()).ToArray());
    }

    [Fact]
    public async Task Without_a_model_other_questions_get_the_deployment_info()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build, "Deployment:Environment=staging");
        await using var agent = await RunningService.StartAsync(AiAgentApp.Build, RunningService.DownstreamAt(mcp.Address));
        var answer = await agent.Http.GetFromJsonAsync<JsonElement>("api/ask?q=where%20am%20I%3F", Ct);
        Assert.Contains("staging", answer.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Enabling_the_model_without_an_endpoint_is_refused_with_the_settings_to_fix()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build);
        await using var agent = await RunningService.StartAsync(AiAgentApp.Build, RunningService.DownstreamAt(mcp.Address),
            "Ai:Enabled=true");
        using var response = await agent.Http.GetAsync("api/ask?q=status", Ct);
        Assert.False(response.IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_chain_answers_through_all_four_services_in_order()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build);
        await using var agent = await RunningService.StartAsync(AiAgentApp.Build, RunningService.DownstreamAt(mcp.Address));
        await using var backend = await RunningService.StartAsync(BackendApp.Build, RunningService.DownstreamAt(agent.Address));
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build, RunningService.DownstreamAt(backend.Address));
        var chain = await frontend.Http.GetFromJsonAsync<JsonElement>("api/chain", Ct);
        var hops = chain.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("service").GetString()).ToArray();
        Assert.Equal(["frontend", "backend", "ai-agent", "mcp-server"], hops);
        Assert.Contains("mcp deployment_info", chain.GetProperty("hops")[2].GetProperty("detail").GetString());
    }
}
