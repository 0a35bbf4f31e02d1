using System.Net.Http.Json;

namespace ClusterSnek.Services.Frontend;

/// <summary>The frontend: a static UI (wwwroot) and /api/* forwarded to the backend.</summary>
public static class FrontendApp
{
    /// <summary>Defaults; appsettings.json, /etc/clustersnek/appsettings.json, env and args override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Service:Port"] = "8080",
    };

    /// <summary>The frontend, calling the backend; version and revision from this assembly.</summary>
    internal static readonly ServiceIdentity Identity = ServiceIdentity.Of("frontend", "backend", typeof(FrontendApp));

    /// <summary>The web app, or <c>probe &lt;url&gt;</c> (what the chart's helm test pods run).</summary>
    public static Task<int> Main(string[] args) => Probe.MainAsync(args, Build);

    public static WebApplication Build(string[] args)
    {
        var builder = ServiceHost.CreateBuilder(args, Identity, Defaults);
        // The content root is the app folder, not the working directory, so wwwroot is found wherever it is started.
        builder.Environment.ContentRootPath = AppContext.BaseDirectory;
        builder.Environment.WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        builder.Environment.WebRootFileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(builder.Environment.WebRootPath);
        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapStandardEndpoints();

        app.MapGet("/api/items", (Downstream backend, CancellationToken ct) => ForwardAsync(backend, "api/items", ct));
        app.MapGet("/api/ask", (string? q, Downstream backend, CancellationToken ct) =>
            ForwardAsync(backend, $"api/ask?q={Uri.EscapeDataString(q ?? "")}", ct));
        app.MapGet("/api/chain", async (Downstream backend, CancellationToken ct) =>
            (await backend.ChainAsync(ct)).Prepend(new ChainHop(Identity.Name, Environment.MachineName, DateTimeOffset.UtcNow,
                "static UI")));
        return app;
    }

    static async Task<IResult> ForwardAsync(Downstream backend, string path, CancellationToken cancellation)
    {
        try
        {
            using var response = await backend.Client.GetAsync(path, cancellation);
            return Results.Json(await response.Content.ReadFromJsonAsync<object>(cancellation), statusCode: (int)response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            return Results.Json(new { error = $"backend unreachable: {e.Message}" }, statusCode: StatusCodes.Status502BadGateway);
        }
    }
}
