using System.Net;
using System.Net.Sockets;
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
    public static WebApplicationBuilder CreateBuilder(string[] args, ServiceIdentity identity,
        IReadOnlyDictionary<string, string?> defaults)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // Lowest precedence: the service's own defaults (port and the like), so one shared appsettings.json suffices.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        // Config files and secrets are mounted (ConfigMap/Secret volumes); both folders are optional.
        var configDir = builder.Configuration[ServiceContract.ConfigDirectory] ?? "/etc/clustersnek";
        builder.Configuration.AddJsonFile(Path.Combine(configDir, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddKeyPerFile(SecretsDirectory(builder.Configuration), optional: true);
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
            builder.WebHost.UseUrls($"http://{ListenAddress(builder.Configuration)}:{ListenPort(builder.Configuration)}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue("Service:ShutdownSeconds", 20)));
        builder.Services.AddHttpClient(Downstream.ClientName, c => c.Timeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue("Downstream:TimeoutSeconds", 5)));
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton<Downstream>();
        return builder;
    }

    /// <summary>PORT, else ASPNETCORE_HTTP_PORTS (the chart sets it), else Service:Port (service default or appsettings.json).</summary>
    public static int ListenPort(IConfiguration configuration)
    {
        foreach (var key in new[] { "PORT", ServiceContract.ListenPort, "Service:Port" })
        {
            var value = configuration[key]?.Split(';', ',')[0];
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (int.TryParse(value, out var port) && port is > 0 and < 65536) return port;
            throw new InvalidOperationException($"Configuration {key}='{value}' is not a port number (1-65535).");
        }
        return 8080;
    }

    /// <summary>CLUSTERSNEK_LISTEN_ADDRESS as a URL host (IPv6 in brackets), else 0.0.0.0 (every interface, as a pod needs).</summary>
    public static string ListenAddress(IConfiguration configuration)
    {
        var value = configuration[ServiceContract.ListenAddress];
        if (string.IsNullOrWhiteSpace(value)) return "0.0.0.0";
        if (!IPAddress.TryParse(value.Trim(), out var address))
            throw new InvalidOperationException(
                $"Configuration {ServiceContract.ListenAddress}='{value}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).");
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }

    /// <summary>
    /// /healthz (the process answers, and says which service, version and revision it is) and /readyz (it runs under its own
    /// name and its downstream service answers, when it has one). Both bodies are <see cref="Health"/>.
    /// </summary>
    public static WebApplication MapStandardEndpoints(this WebApplication app)
    {
        var identity = app.Services.GetRequiredService<ServiceIdentity>();
        var deployedAs = app.Configuration[ServiceContract.ServiceName];
        var misnamed = string.IsNullOrWhiteSpace(deployedAs) || deployedAs == identity.Name ? null
            : $"deployed as '{deployedAs}' ({ServiceContract.ServiceName}) but this is the {identity.Name}: " +
              "the release runs the wrong image here";
        app.MapGet("/healthz", () => Results.Json(Health.Of(identity, "ok", null)));
        app.MapGet("/readyz", async (Downstream downstream, CancellationToken ct) =>
        {
            var problem = misnamed ?? await downstream.ProbeAsync(ct);
            return problem is null
                ? Results.Json(Health.Of(identity, "ready", null))
                : Results.Json(Health.Of(identity, "not ready", problem), statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClusterSnek.Service");
        lifetime.ApplicationStarted.Register(() =>
        {
            log.LogInformation("{Service} {Version} ({Revision}) started; secrets loaded: {SecretCount} (values never logged)",
                identity.Name, identity.Version, identity.Revision ?? "no revision", SecretNames(app.Configuration).Count);
            foreach (var problem in new[] { misnamed, app.Services.GetRequiredService<Downstream>().Problem }.OfType<string>())
                log.LogWarning("{Service} will not be ready: {Problem}", identity.Name, problem);
        });
        lifetime.ApplicationStopping.Register(() => log.LogInformation("{Service} stopping: draining requests", identity.Name));
        return app;
    }

    /// <summary>Names of the files in the secrets folder; the values stay in configuration only.</summary>
    public static IReadOnlyList<string> SecretNames(IConfiguration configuration)
    {
        var dir = SecretsDirectory(configuration);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().ToList() : [];
    }

    static string SecretsDirectory(IConfiguration configuration) => configuration[ServiceContract.SecretsDirectory] ?? "/run/secrets";
}

/// <summary>
/// Body of /healthz and /readyz: <c>{"service":"backend","version":"1.0.0","revision":"&lt;commit&gt;"|null,
/// "status":"ok"|"ready"|"not ready","reason":null|"why not ready"}</c>. <c>service</c> is the service's own name (from its
/// code), so a caller can check that a workload runs the service it claims; <c>revision</c> is the commit it was built from
/// (the image's revision label).
/// </summary>
internal sealed record Health(string Service, string Version, string? Revision, string Status, string? Reason)
{
    public static Health Of(ServiceIdentity identity, string status, string? reason) =>
        new(identity.Name, identity.Version, identity.Revision, status, reason);
}

/// <summary>One service's answer on the end-to-end chain (frontend → backend → ai-agent → mcp-server).</summary>
internal sealed record ChainHop(string Service, string Host, DateTimeOffset At, string? Detail);

/// <summary>The chain answer: every hop from the first service called to the last.</summary>
internal sealed record ChainAnswer(IReadOnlyList<ChainHop> Hops)
{
    public ChainAnswer Prepend(ChainHop hop) => new([hop, .. Hops]);
}
