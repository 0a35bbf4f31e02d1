namespace ClusterSnek.Services;

/// <summary>
/// The settings a service gets from the chart, as environment variable names: charts/common/templates/_deployment.tpl sets
/// them, the services read them (ServiceHost, Downstream), and tests/ClusterSnek.Charts.Tests checks both sides against
/// these constants (the file is linked there). Each name is also the configuration key the service reads, so the same
/// setting works as an env var, a command-line <c>--NAME=value</c> or an appsettings.json key. Documented in docs/charts.md.
/// </summary>
internal static class ServiceContract
{
    /// <summary>The name the release deploys this workload as; /readyz fails when it is not the service's own name.</summary>
    public const string ServiceName = "CLUSTERSNEK_SERVICE";

    /// <summary>Port to listen on: global.services.&lt;name&gt;.port (ASP.NET Core's own variable; the base image sets 8080).</summary>
    public const string ListenPort = "ASPNETCORE_HTTP_PORTS";

    /// <summary>Address to listen on; 0.0.0.0 when unset. The chart sets 127.0.0.1 on the local runtime (host networking).</summary>
    public const string ListenAddress = "CLUSTERSNEK_LISTEN_ADDRESS";

    /// <summary>
    /// Base URL of the one service this service calls: http://&lt;dependency&gt;:&lt;port&gt; (its Service) on a
    /// cluster, http://127.0.0.1:&lt;port&gt; on the local runtime. No default: a service that calls one is not ready without it.
    /// </summary>
    public const string DownstreamUrl = "CLUSTERSNEK_DOWNSTREAM_URL";

    /// <summary>Folder of an optional appsettings.json (a mounted ConfigMap); /etc/clustersnek when unset. The chart mounts none.</summary>
    public const string ConfigDirectory = "CONFIG_DIR";

    /// <summary>Folder of key-per-file secrets (a mounted Secret); /run/secrets when unset. The chart mounts none.</summary>
    public const string SecretsDirectory = "SECRETS_DIR";

    /// <summary>The variables the chart may set on an app container (besides the app's own <c>env</c> values and Secret keys).</summary>
    public static readonly IReadOnlyList<string> SetByChart = [ListenPort, ServiceName, ListenAddress, DownstreamUrl];
}
