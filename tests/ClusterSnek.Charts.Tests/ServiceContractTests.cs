using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ClusterSnek.Services;
using ClusterSnek.Stack;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Charts.Tests;

/// <summary>
/// The seam between chart and services (src/services/common/ServiceContract.cs): the chart, rendered by the real helm, sets
/// exactly the variables the services read, and the four services started with exactly the rendered environment work together.
/// </summary>
public sealed class ServiceContractTests
{
    static readonly StackManifest Stack = ManifestReader.Load(Repo.Root / StackManifest.FileName);
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const string LocalRuntime = "global:\n  localRuntime: true\n";

    [Fact]
    public async Task The_chart_sets_exactly_the_contract_variables_on_every_service()
    {
        foreach (var local in new[] { false, true })
        {
            var environments = Environments(await ChartTests.RenderAsync("dev", local ? [LocalRuntime] : []));
            foreach (var service in Stack.Services)
            {
                string[] expected = [ServiceContract.ListenPort, ServiceContract.ServiceName,
                    .. local ? [ServiceContract.ListenAddress] : Array.Empty<string>(),
                    .. service.DependsOn.Count > 0 ? [ServiceContract.DownstreamUrl] : Array.Empty<string>()];
                Assert.Equal(expected.Order(), environments[service.Name].Keys.Order());
                Assert.Subset(ServiceContract.SetByChart.ToHashSet(), environments[service.Name].Keys.ToHashSet());
                Assert.Equal(service.Name, environments[service.Name][ServiceContract.ServiceName]);
            }
        }
    }

    [Fact]
    public async Task On_a_cluster_each_service_calls_its_dependency_at_the_dependency_s_Service_name_and_port()
    {
        var docs = await ChartTests.RenderAsync("dev");
        var environments = Environments(docs);
        foreach (var service in Stack.Services.Where(s => s.DependsOn.Count > 0))
        {
            var dependency = service.DependsOn.Single();
            var k8sService = docs.Single(d => ChartTests.Kind(d) == "Service" && ChartTests.Name(d) == dependency);
            var port = ((YamlSequenceNode)ChartTests.At(k8sService, "spec", "ports")!).Children.OfType<YamlMappingNode>().Single();
            Assert.Equal($"http://{dependency}:{ChartTests.At(port, "port")}", environments[service.Name][ServiceContract.DownstreamUrl]);
            Assert.Equal(ChartTests.At(port, "targetPort")!.ToString(), environments[dependency][ServiceContract.ListenPort]);
        }
    }

    [Fact]
    public async Task On_the_local_runtime_each_service_listens_on_loopback_and_calls_its_dependency_on_the_port_the_chart_gives_it()
    {
        var ports = FreePorts(Stack.Services.Count);
        var environments = Environments(await ChartTests.RenderAsync("dev", LocalRuntimeValues(ports)));
        foreach (var service in Stack.Services)
        {
            var env = environments[service.Name];
            Assert.Equal(ports[service.Name].ToString(CultureInfo.InvariantCulture), env[ServiceContract.ListenPort]);
            Assert.Equal("127.0.0.1", env[ServiceContract.ListenAddress]);
            if (service.DependsOn.Count > 0)
                Assert.Equal($"http://127.0.0.1:{ports[service.DependsOn.Single()]}", env[ServiceContract.DownstreamUrl]);
        }
    }

    [Fact]
    public async Task The_services_started_with_the_rendered_local_runtime_environment_answer_the_chain_and_name_themselves()
    {
        // Non-default ports: a service falling back to a default (8081...) would miss its dependency or reach another checkout's.
        var ports = FreePorts(Stack.Services.Count);
        var environments = Environments(await ChartTests.RenderAsync("dev", LocalRuntimeValues(ports)));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        var running = new List<ServiceProcess>();
        try
        {
            foreach (var service in Stack.Services) running.Add(ServiceProcess.Start(service, environments[service.Name]));
            foreach (var process in running) await process.WaitHealthyAsync(http, ports[process.Name], deadline.Token);

            foreach (var process in running)
            {
                var health = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{ports[process.Name]}/healthz", deadline.Token);
                Assert.Equal(process.Name, health.GetProperty("service").GetString());
                Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()), $"{process.Name}: /healthz has no version");
                using var ready = await http.GetAsync($"http://127.0.0.1:{ports[process.Name]}/readyz", deadline.Token);
                Assert.True(ready.IsSuccessStatusCode, $"{process.Name} /readyz: {await ready.Content.ReadAsStringAsync(deadline.Token)}");
            }

            // The chain from its last service back to the entry: each call adds one cold hop, so a loaded machine stays within
            // the services' 5 s downstream timeout, and each service's own chain is checked on the way.
            string[] chain = ["frontend", "backend", "ai-agent", "mcp-server"];
            Assert.Equal(chain[0], Stack.Services.Single(s => !Stack.Services.Any(o => o.DependsOn.Contains(s.Name))).Name);
            for (var from = chain.Length - 1; from >= 0; from--)
            {
                var answer = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{ports[chain[from]]}/api/chain", deadline.Token);
                var hops = answer.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("service").GetString()).ToArray();
                Assert.Equal(chain[from..], hops);
            }
        }
        catch (Exception e) when (running.Count > 0)
        {
            // The services' own last log lines say why (a refused setting, a port in use) far better than the assertion alone.
            throw new InvalidOperationException($"{e.Message}\n{string.Join("\n", running.Select(p => p.Describe()))}", e);
        }
        finally
        {
            foreach (var process in running) process.Dispose();
        }
    }

    /// <summary>Values for the local runtime with each service on its own free port.</summary>
    static string LocalRuntimeValues(IReadOnlyDictionary<string, int> ports) =>
        LocalRuntime + "  services:\n" + string.Concat(ports.Select(p => $"    {p.Key}:\n      port: {p.Value}\n"));

    /// <summary>Ports nothing listens on now (bound and released), one per service.</summary>
    static Dictionary<string, int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = Stack.Services.Zip(listeners, (s, l) => (s.Name, ((IPEndPoint)l.LocalEndpoint).Port))
            .ToDictionary(p => p.Name, p => p.Port);
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>Each Deployment's container env as name → value; a variable from valueFrom/envFrom is not part of the contract.</summary>
    static Dictionary<string, Dictionary<string, string>> Environments(List<YamlMappingNode> docs) =>
        docs.Where(d => ChartTests.Kind(d) == "Deployment").ToDictionary(ChartTests.Name, d =>
        {
            var container = (YamlMappingNode)((YamlSequenceNode)ChartTests.At(d, "spec", "template", "spec", "containers")!)[0];
            Assert.Null(ChartTests.At(container, "envFrom"));
            return ((YamlSequenceNode?)ChartTests.At(container, "env") ?? new YamlSequenceNode()).Children.OfType<YamlMappingNode>()
                .ToDictionary(e => ChartTests.At(e, "name")!.ToString(), e => ChartTests.At(e, "value")?.ToString()
                    ?? throw new InvalidOperationException($"{ChartTests.Name(d)}: env {ChartTests.At(e, "name")} has no literal value"));
        });

    /// <summary>
    /// A service's own build output (<c>dotnet &lt;service&gt;.dll</c>, as the image runs it) started with exactly the rendered
    /// environment, plus PATH/HOME/DOTNET_ROOT so the runtime is found; nothing else of this process's environment leaks in.
    /// </summary>
    sealed class ServiceProcess : IDisposable
    {
        readonly Process process;
        readonly ConcurrentQueue<string> output = new();

        ServiceProcess(string name, Process process)
        {
            Name = name;
            this.process = process;
        }

        public string Name { get; }

        public static ServiceProcess Start(ServiceSpec service, IReadOnlyDictionary<string, string> environment)
        {
            // Same configuration and target framework as this test assembly (…/bin/Debug/net10.0/), in the service's project folder.
            var outputPath = Path.GetRelativePath(Repo.Root / "tests" / "ClusterSnek.Charts.Tests", AppContext.BaseDirectory);
            var folder = Path.Combine(Repo.Root / service.Project, outputPath);
            var runtimeConfig = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.runtimeconfig.json").SingleOrDefault() : null;
            var dll = runtimeConfig?.Replace(".runtimeconfig.json", ".dll", StringComparison.Ordinal);
            if (dll is null || !File.Exists(dll))
                throw new InvalidOperationException(
                    $"{service.Name}: no build output in {folder}; build {service.Project} (this project references it).");

            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var start = new ProcessStartInfo(dotnet)
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            start.Environment.Clear();
            foreach (var key in new[] { "PATH", "HOME", "DOTNET_ROOT" })
                if (Environment.GetEnvironmentVariable(key) is { } value) start.Environment[key] = value;
            foreach (var (key, value) in environment) start.Environment[key] = value;

            var started = new ServiceProcess(service.Name, new Process { StartInfo = start });
            started.process.OutputDataReceived += (_, e) => started.Keep(e.Data);
            started.process.ErrorDataReceived += (_, e) => started.Keep(e.Data);
            started.process.Start();
            started.process.BeginOutputReadLine();
            started.process.BeginErrorReadLine();
            return started;
        }

        void Keep(string? line)
        {
            if (line is null) return;
            output.Enqueue(line);
            while (output.Count > 8) output.TryDequeue(out _);
        }

        /// <summary>Polls /healthz until it answers; fails early when the process exits.</summary>
        public async Task WaitHealthyAsync(HttpClient http, int port, CancellationToken cancellation)
        {
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"{Name} exited with {process.ExitCode} before /healthz answered.");
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz", cancellation);
                    if (response.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) { }
                await Task.Delay(200, cancellation);
            }
        }

        public string Describe() => $"--- {Name} ({(process.HasExited ? $"exited {process.ExitCode}" : "running")}), last output:\n" +
            string.Join("\n", output);

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }
    }
}
