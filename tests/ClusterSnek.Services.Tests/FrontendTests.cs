using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterSnek.Services.Backend;
using ClusterSnek.Services.Frontend;

namespace ClusterSnek.Services.Tests;

[Collection("services")]
public sealed class FrontendTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_static_ui_is_served_at_the_root()
    {
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build);
        var html = await frontend.Http.GetStringAsync("", Ct);
        Assert.Contains("<h1>ClusterSnek</h1>", html);
        Assert.Contains("fetch('api/items')", await frontend.Http.GetStringAsync("app.js", Ct));
    }

    [Fact]
    public async Task Items_come_from_the_backend()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build);
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build, RunningService.DownstreamAt(backend.Address));
        var items = await frontend.Http.GetFromJsonAsync<JsonElement>("api/items", Ct);
        Assert.Contains(items.EnumerateArray(), i => i.GetProperty("name").GetString() == "helm chart");
    }

    [Fact]
    public async Task An_unreachable_backend_is_a_bad_gateway_not_a_crash()
    {
        var nowhere = RunningService.DownstreamAt($"http://127.0.0.1:{RunningService.UnusedPort()}");
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build, nowhere);
        using var response = await frontend.Http.GetAsync("api/items", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_follows_the_backend()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build);
        await using var frontend = await RunningService.StartAsync(FrontendApp.Build, RunningService.DownstreamAt(backend.Address));
        using var ready = await frontend.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
