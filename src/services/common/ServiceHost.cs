using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterSnek.Services;

/// <summary>What every ClusterSnek service shares: port, config sources, JSON logs, secrets from files, health endpoints.</summary>
internal static class ServiceHost
{
    /// <summary>Builder with config from appsettings, env, an optional config file and mounted secret files.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?> defaults)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // Lowest precedence: the service's own defaults (name, port, downstream), so one shared appsettings.json suffices.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        // Config files and secrets are mounted (ConfigMap/Secret volumes); both folders are optional.
        var configDir = builder.Configuration["CONFIG_DIR"] ?? "/etc/clustersnek";
        builder.Configuration.AddJsonFile(Path.Combine(configDir, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddKeyPerFile(builder.Configuration["SECRETS_DIR"] ?? "/run/secrets", optional: true);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });

        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
            builder.WebHost.UseUrls($"http://0.0.0.0:{ListenPort(builder.Configuration)}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue("Service:ShutdownSeconds", 20)));
        builder.Services.AddHttpClient(Downstream.ClientName, c => c.Timeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue("Downstream:TimeoutSeconds", 5)));
        builder.Services.AddSingleton<Downstream>();
        return builder;
    }

    /// <summary>PORT, else ASPNETCORE_HTTP_PORTS, else Service:Port (the service default or appsettings.json).</summary>
    public static int ListenPort(IConfiguration configuration)
    {
        foreach (var key in new[] { "PORT", "ASPNETCORE_HTTP_PORTS", "Service:Port" })
        {
            var value = configuration[key]?.Split(';', ',')[0];
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (int.TryParse(value, out var port) && port is > 0 and < 65536) return port;
            throw new InvalidOperationException($"Configuration {key}='{value}' is not a port number (1-65535).");
        }
        return 8080;
    }

    /// <summary>/healthz (the process answers) and /readyz (the downstream service answers, when there is one).</summary>
    public static WebApplication MapStandardEndpoints(this WebApplication app)
    {
        var name = ServiceName(app.Configuration);
        app.MapGet("/healthz", () => Results.Json(new Health(name, "ok", null)));
        app.MapGet("/readyz", async (Downstream downstream, CancellationToken ct) =>
        {
            if (!downstream.Configured) return Results.Json(new Health(name, "ready", null));
            var problem = await downstream.ProbeAsync(ct);
            return problem is null
                ? Results.Json(new Health(name, "ready", null))
                : Results.Json(new Health(name, "not ready", problem), statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClusterSnek.Service");
        lifetime.ApplicationStarted.Register(() => log.LogInformation("{Service} started; secrets loaded: {SecretCount} (values never logged)",
            name, SecretNames(app.Configuration).Count));
        lifetime.ApplicationStopping.Register(() => log.LogInformation("{Service} stopping: draining requests", name));
        return app;
    }

    public static string ServiceName(IConfiguration configuration) => configuration["Service:Name"] ?? "service";

    /// <summary>Names of the files in the secrets folder; the values stay in configuration only.</summary>
    public static IReadOnlyList<string> SecretNames(IConfiguration configuration)
    {
        var dir = configuration["SECRETS_DIR"] ?? "/run/secrets";
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().ToList() : [];
    }
}

/// <summary>Body of /healthz and /readyz.</summary>
internal sealed record Health(string Service, string Status, string? Reason);

/// <summary>One service's answer on the end-to-end chain (frontend → backend → ai-agent → mcp-server).</summary>
internal sealed record ChainHop(string Service, string Host, DateTimeOffset At, string? Detail);

/// <summary>The chain answer: every hop from the first service called to the last.</summary>
internal sealed record ChainAnswer(IReadOnlyList<ChainHop> Hops)
{
    public ChainAnswer Prepend(ChainHop hop) => new([hop, .. Hops]);
}
