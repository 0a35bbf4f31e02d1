using System.Collections.Concurrent;
using System.Net.Http.Json;

namespace ClusterSnek.Services.Backend;

/// <summary>The backend: a small REST API of items, plus /api/ask and /api/chain forwarded to the ai-agent.</summary>
public static class BackendApp
{
    /// <summary>Defaults; appsettings.json, /etc/clustersnek/appsettings.json, env and args override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Service:Port"] = "8081",
    };

    /// <summary>The backend, calling the ai-agent; version and revision from this assembly.</summary>
    internal static readonly ServiceIdentity Identity = ServiceIdentity.Of("backend", "ai-agent", typeof(BackendApp));

    /// <summary>The web app, or <c>probe &lt;url&gt;</c> (what the chart's helm test pods run).</summary>
    public static Task<int> Main(string[] args) => Probe.MainAsync(args, Build);

    public static WebApplication Build(string[] args)
    {
        var builder = ServiceHost.CreateBuilder(args, Identity, Defaults);
        builder.Services.AddSingleton<ItemStore>();
        var app = builder.Build();
        app.MapStandardEndpoints();

        app.MapGet("/api/items", (ItemStore store) => store.All());
        app.MapGet("/api/items/{id:int}", (int id, ItemStore store) =>
            store.Find(id) is { } item ? Results.Json(item) : Results.NotFound(new { error = $"no item {id}" }));
        app.MapPost("/api/items", (NewItem request, ItemStore store) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
                return Results.BadRequest(new { error = "name is required (1-200 characters)" });
            var item = store.Add(request.Name.Trim());
            return Results.Created($"/api/items/{item.Id}", item);
        });
        app.MapGet("/api/ask", async (string? q, Downstream agent, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(q)) return Results.BadRequest(new { error = "query parameter q is required" });
            using var response = await agent.Client.GetAsync($"api/ask?q={Uri.EscapeDataString(q)}", ct);
            return Results.Json(await response.Content.ReadFromJsonAsync<object>(ct), statusCode: (int)response.StatusCode);
        });
        app.MapGet("/api/chain", async (Downstream agent, CancellationToken ct) =>
            (await agent.ChainAsync(ct)).Prepend(new ChainHop(Identity.Name, Environment.MachineName, DateTimeOffset.UtcNow,
                $"{app.Services.GetRequiredService<ItemStore>().All().Count} items")));
        return app;
    }
}

/// <summary>An item of the backend's list.</summary>
public sealed record Item(int Id, string Name, DateTimeOffset CreatedAt);

/// <summary>Body of POST /api/items.</summary>
public sealed record NewItem(string? Name);

/// <summary>In-memory items (the sample has no database; the rootfs is read-only anyway).</summary>
internal sealed class ItemStore
{
    readonly ConcurrentDictionary<int, Item> items = new();
    int next;

    public ItemStore()
    {
        Add("helm chart");
        Add("signed image");
    }

    public IReadOnlyList<Item> All() => items.Values.OrderBy(i => i.Id).ToList();

    public Item? Find(int id) => items.GetValueOrDefault(id);

    public Item Add(string name)
    {
        var item = new Item(Interlocked.Increment(ref next), name, DateTimeOffset.UtcNow);
        items[item.Id] = item;
        return item;
    }
}
