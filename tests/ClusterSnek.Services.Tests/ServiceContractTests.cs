using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterSnek.Services.Backend;
using ClusterSnek.Services.Frontend;
using ClusterSnek.Services.McpServer;

namespace ClusterSnek.Services.Tests;

/// <summary>The service side of the chart/service contract (ServiceContract); the chart side is in ClusterSnek.Charts.Tests.</summary>
[Collection("services")]
public sealed class ServiceContractTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_names_the_service_and_the_version_it_was_built_as()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build);
        var health = await mcp.Http.GetFromJsonAsync<JsonElement>("healthz", Ct);
        Assert.Equal("mcp-server", health.GetProperty("service").GetString());
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.True(health.TryGetProperty("revision", out _), "the body has a revision field (null when built outside git)");
    }

    [Fact]
    public async Task A_service_with_a_downstream_but_no_downstream_url_is_not_ready_and_names_the_setting()
    {
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build);
        using var response = await frontend.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var reason = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reason").GetString();
        Assert.Contains($"{ServiceContract.DownstreamUrl} is not set", reason);
        Assert.Contains("backend", reason);
    }

    [Fact]
    public async Task A_downstream_url_that_is_not_a_url_is_not_ready_and_names_the_setting()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build, RunningService.DownstreamAt("ai-agent"));
        using var response = await backend.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains($"{ServiceContract.DownstreamUrl}='ai-agent' is not an absolute http(s) URL", body);
    }

    [Fact]
    public async Task A_service_without_a_downstream_is_ready_on_its_own()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build);
        using var response = await mcp.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_service_deployed_under_another_service_s_name_is_not_ready()
    {
        await using var mcp = await RunningService.StartAsync(McpServerApp.Build, $"{ServiceContract.ServiceName}=backend");
        using var response = await mcp.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("deployed as 'backend'", await response.Content.ReadAsStringAsync(Ct));
        var health = await mcp.Http.GetFromJsonAsync<JsonElement>("healthz", Ct);
        Assert.Equal("mcp-server", health.GetProperty("service").GetString());
    }

    [Fact]
    public async Task The_listen_address_and_port_come_from_the_contract_variables()
    {
        var port = RunningService.UnusedPort();
        var app = McpServerApp.Build([$"--{ServiceContract.ListenPort}={port}", $"--{ServiceContract.ListenAddress}=127.0.0.1",
            $"--{ServiceContract.SecretsDirectory}=/nonexistent"]);
        await app.StartAsync(Ct);
        try
        {
            Assert.Equal([$"http://127.0.0.1:{port}"], app.Urls);
            using var http = new HttpClient();
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void A_listen_address_that_is_not_an_ip_address_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => McpServerApp.Build([$"--{ServiceContract.ListenAddress}=everywhere"]));
        Assert.Contains($"{ServiceContract.ListenAddress}='everywhere'", e.Message);
    }
}
