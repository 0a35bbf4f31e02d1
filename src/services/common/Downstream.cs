using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;

namespace ClusterSnek.Services;

/// <summary>
/// The one service this service calls, at <see cref="ServiceContract.DownstreamUrl"/>, for readiness and the chain.
/// There is no default URL: a guessed one would call whatever else listens there (another checkout's release).
/// </summary>
internal sealed class Downstream
{
    public const string ClientName = "downstream";

    readonly IHttpClientFactory clients;

    public Downstream(IHttpClientFactory clients, IConfiguration configuration, ServiceIdentity identity)
    {
        this.clients = clients;
        var value = configuration[ServiceContract.DownstreamUrl];
        if (string.IsNullOrWhiteSpace(value))
            Problem = identity.Calls is null ? null
                : $"{ServiceContract.DownstreamUrl} is not set: the {identity.Name} calls the {identity.Calls} there. Set it to the " +
                  $"{identity.Calls}'s base URL (the chart does, from global.services.{identity.Calls}.port).";
        else if (Uri.TryCreate(value.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            BaseUrl = url;
        else
            Problem = $"{ServiceContract.DownstreamUrl}='{value}' is not an absolute http(s) URL " +
                      $"(e.g. http://{identity.Calls ?? "backend"}:8081).";
    }

    /// <summary>Null when no downstream is configured (a service that calls none).</summary>
    public Uri? BaseUrl { get; }

    /// <summary>Why the downstream cannot be called (missing or malformed setting), else null.</summary>
    public string? Problem { get; }

    public HttpClient Client
    {
        get
        {
            var client = clients.CreateClient(ClientName);
            client.BaseAddress = BaseUrl ?? throw new InvalidOperationException(Problem ?? $"{ServiceContract.DownstreamUrl} is not set.");
            return client;
        }
    }

    /// <summary>Null when the downstream's /healthz answers 2xx (or there is no downstream), else why not.</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellation)
    {
        if (Problem is not null) return Problem;
        if (BaseUrl is null) return null;
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
