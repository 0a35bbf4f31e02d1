using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterSnek.Services.Tests;

/// <summary>
/// A service started in-process on 127.0.0.1 with a free port (Microsoft.AspNetCore.Mvc.Testing is not used: the real Kestrel
/// server, configuration and middleware run exactly as in the container).
/// </summary>
public sealed class RunningService : IAsyncDisposable
{
    RunningService(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };
    }

    public WebApplication App { get; }
    public Uri Address { get; }
    public HttpClient Http { get; }

    /// <summary>Starts a service with settings as command-line configuration (key=value), secrets read from an empty folder.</summary>
    public static async Task<RunningService> StartAsync(Func<string[], WebApplication> build, params string[] settings)
    {
        var secrets = Directory.CreateTempSubdirectory("clustersnek-secrets-").FullName;
        string[] args = ["--urls=http://127.0.0.1:0", $"--{ServiceContract.SecretsDirectory}={secrets}",
            $"--{ServiceContract.ConfigDirectory}={secrets}", .. settings.Select(s => "--" + s)];
        var app = build(args);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningService(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The setting that points a service at its downstream (the chart/service contract's name).</summary>
    public static string DownstreamAt(object url) => $"{ServiceContract.DownstreamUrl}={url}";

    /// <summary>A port nothing listens on (bound and released).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
