using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterSnek.Services.Backend;

namespace ClusterSnek.Services.Tests;

[Collection("services")]
public sealed class BackendTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Liveness_answers_ok_without_its_downstream()
    {
        var nowhere = RunningService.DownstreamAt($"http://127.0.0.1:{RunningService.UnusedPort()}");
        await using var backend = await RunningService.StartAsync(BackendApp.Build, nowhere);
        var health = await backend.Http.GetFromJsonAsync<JsonElement>("healthz", Ct);
        Assert.Equal("backend", health.GetProperty("service").GetString());
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readiness_fails_with_the_reason_when_the_ai_agent_is_unreachable()
    {
        var port = RunningService.UnusedPort();
        await using var backend = await RunningService.StartAsync(BackendApp.Build,
            RunningService.DownstreamAt($"http://127.0.0.1:{port}"));
        using var response = await backend.Http.GetAsync("readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task An_added_item_is_listed_and_found_by_id()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build);
        using var created = await backend.Http.PostAsJsonAsync("api/items", new { name = "sbom" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = item.GetProperty("id").GetInt32();
        var all = await backend.Http.GetFromJsonAsync<JsonElement>("api/items", Ct);
        Assert.Contains(all.EnumerateArray(), i => i.GetProperty("name").GetString() == "sbom");
        var found = await backend.Http.GetFromJsonAsync<JsonElement>($"api/items/{id}", Ct);
        Assert.Equal("sbom", found.GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_item_without_a_name_is_rejected()
    {
        await using var backend = await RunningService.StartAsync(BackendApp.Build);
        using var response = await backend.Http.PostAsJsonAsync("api/items", new { name = " " }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_port_comes_from_PORT_before_appsettings()
    {
        var port = RunningService.UnusedPort();
        var app = BackendApp.Build([$"--PORT={port}", "--SECRETS_DIR=/nonexistent"]);
        await app.StartAsync(Ct);
        try
        {
            using var http = new HttpClient();
            var health = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/healthz", Ct);
            Assert.Equal("ok", health.GetProperty("status").GetString());
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_port_that_is_not_a_number_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => BackendApp.Build(["--PORT=http", "--SECRETS_DIR=/nonexistent"]));
        Assert.Contains("PORT='http'", e.Message);
        await Task.CompletedTask;
    }
}
