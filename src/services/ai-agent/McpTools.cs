using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ClusterSnek.Services.AiAgent;

/// <summary>MCP client for the server at CLUSTERSNEK_DOWNSTREAM_URL + /mcp; one client per call keeps the agent stateless.</summary>
internal sealed class McpTools(Downstream downstream, ILoggerFactory logs)
{
    async Task<McpClient> ConnectAsync(CancellationToken cancellation)
    {
        var server = downstream.BaseUrl
            ?? throw new InvalidOperationException(downstream.Problem ?? $"{ServiceContract.DownstreamUrl} (the MCP server) is not set.");
        var endpoint = new Uri(server, "mcp");
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp }, logs);
        return await McpClient.CreateAsync(transport, null, logs, cancellation);
    }

    /// <summary>Calls one tool and returns its text content.</summary>
    public async Task<string> CallAsync(string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellation)
    {
        await using var client = await ConnectAsync(cancellation);
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: cancellation);
        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        if (result.IsError == true) throw new InvalidOperationException($"MCP tool {tool} failed: {text}");
        return text;
    }

    /// <summary>Runs <paramref name="use"/> with the server's tools as AI functions (for a model to call).</summary>
    public async Task<T> WithToolsAsync<T>(Func<IList<AITool>, Task<T>> use, CancellationToken cancellation)
    {
        await using var client = await ConnectAsync(cancellation);
        var tools = await client.ListToolsAsync(cancellationToken: cancellation);
        return await use([.. tools]);
    }
}
