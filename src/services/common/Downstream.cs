using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;

namespace ClusterSnek.Services;

/// <summary>The one service this service calls (Downstream:Url), for readiness and the chain.</summary>
internal sealed class Downstream(IHttpClientFactory clients, IConfiguration configuration)
{
    public const string ClientName = "downstream";

    public Uri? BaseUrl { get; } = configuration["Downstream:Url"] is { Length: > 0 } url ? new Uri(url.TrimEnd('/') + "/") : null;

    public bool Configured => BaseUrl is not null;

    public HttpClient Client
    {
        get
        {
            var client = clients.CreateClient(ClientName);
            client.BaseAddress = BaseUrl ?? throw new InvalidOperationException("Downstream:Url is not configured.");
            return client;
        }
    }

    /// <summary>Null when the downstream's /healthz answers 2xx, else why not.</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellation)
    {
        try
        {
            using var response = await Client.GetAsync("healthz", cancellation);
            return response.IsSuccessStatusCode ? null : $"{BaseUrl} answered {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"{BaseUrl} unreachable: {e.Message}";
        }
    }

    /// <summary>Calls the downstream's /api/chain and returns its hops.</summary>
    public async Task<ChainAnswer> ChainAsync(CancellationToken cancellation) =>
        await Client.GetFromJsonAsync<ChainAnswer>("api/chain", cancellation)
        ?? throw new InvalidOperationException($"{BaseUrl}api/chain returned no body.");
}
