using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ClusterSnek.Services.AiAgent;

/// <summary>An answer and how it was found.</summary>
public sealed record AgentAnswer(string Question, string Answer, IReadOnlyList<string> ToolsUsed, string Mode);

/// <summary>
/// Answers questions about the deployment. Without a model (the default) it routes by keywords to one MCP tool;
/// with Ai:Enabled and an OpenAI-compatible Ai:Endpoint it lets the model call the same tools.
/// </summary>
internal sealed class Agent(McpTools tools, IConfiguration configuration, ILogger<Agent> log)
{
    public async Task<AgentAnswer> AnswerAsync(string question, CancellationToken cancellation)
    {
        if (ChatClient() is { } chat)
        {
            using (chat)
            {
                log.LogInformation("Answering with model {Model}", configuration["Ai:Model"]);
                return await tools.WithToolsAsync(async available =>
                {
                    var response = await chat.GetResponseAsync(question, new ChatOptions { Tools = available }, cancellation);
                    var used = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.Name).Distinct().ToList();
                    return new AgentAnswer(question, response.Text, used, "model");
                }, cancellation);
            }
        }
        var tool = Route(question);
        var text = await tools.CallAsync(tool, new Dictionary<string, object?>(), cancellation);
        return new AgentAnswer(question, text, [tool], "rules");
    }

    /// <summary>Keyword routing used when no model is configured.</summary>
    public static string Route(string question)
    {
        var q = question.ToLowerInvariant();
        if (q.Contains("status") || q.Contains("health") || q.Contains("up") || q.Contains("down")) return "service_status";
        if (q.Contains("list") || q.Contains("which services") || q.Contains("url")) return "list_services";
        return "deployment_info";
    }

    IChatClient? ChatClient()
    {
        if (!configuration.GetValue("Ai:Enabled", false)) return null;
        var endpoint = configuration["Ai:Endpoint"];
        var model = configuration["Ai:Model"];
        if (string.IsNullOrWhiteSpace(endpoint) || string.IsNullOrWhiteSpace(model))
            throw new InvalidOperationException("Ai:Enabled is true but Ai:Endpoint or Ai:Model is empty; set both or disable Ai.");
        // The key comes from a mounted secret file (SECRETS_DIR/Ai__ApiKey) and is only handed to the client.
        var key = configuration["Ai:ApiKey"] ?? "unused";
        var client = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(endpoint) });
        return client.GetChatClient(model).AsIChatClient().AsBuilder().UseFunctionInvocation().Build();
    }
}
