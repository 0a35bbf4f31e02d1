using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

// The loopback entry point of a local-runtime release (docs/deploy.md, "Redeploys without an outage"): listens on each public
// port in routes.json and forwards every new connection to the port slot routes.json names for it at that moment. Deploy starts
// a changed workload on its other slot, waits until it is ready and rewrites routes.json (one rename): the next connection goes
// to the new pod while the old one finishes what it has. The file is read at every accept, so a switch needs no signal.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet ClusterSnek.Entry.dll ROUTES.json");
    return 2;
}
var routesFile = Path.GetFullPath(args[0]);
var table = new RouteTable(routesFile);
if (table.Read() is not { } first)
{
    Console.Error.WriteLine($"{routesFile}: no routes to serve");
    return 2;
}
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
var listeners = new Dictionary<int, Socket>();
var boundTo = first.Address;
try
{
    Reconcile(first);
}
catch (SocketException e)
{
    Console.Error.WriteLine($"cannot listen: {e.Message}");
    return 1;
}
// The pid file says "listening": the launcher waits for it.
File.WriteAllText(Path.Combine(Path.GetDirectoryName(routesFile)!, "entry.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
Console.WriteLine($"{DateTimeOffset.UtcNow:O} listening on {first.Address}: {string.Join(", ", first.Ports.Select(kv => $"{kv.Key}→{kv.Value}"))}");
while (!stop.IsCancellationRequested)
{
    try { await Task.Delay(500, stop.Token); }
    catch (OperationCanceledException) { break; }
    // A service added to the release gets its listener; one removed loses it.
    if (table.Read() is { } now)
    {
        try { Reconcile(now); }
        catch (SocketException e) { Console.Error.WriteLine($"{DateTimeOffset.UtcNow:O} cannot listen: {e.Message}"); }
    }
}
foreach (var socket in listeners.Values) socket.Dispose();
Console.WriteLine($"{DateTimeOffset.UtcNow:O} stopped");
return 0;

void Reconcile(Routes routes)
{
    if (routes.Address != boundTo)
    {
        // Asked to listen elsewhere (--listen-address): every port is bound again on the new address.
        foreach (var socket in listeners.Values) socket.Dispose();
        listeners.Clear();
        boundTo = routes.Address;
    }
    foreach (var port in listeners.Keys.Except(routes.Ports.Keys).ToList())
    {
        listeners[port].Dispose();
        listeners.Remove(port);
    }
    foreach (var port in routes.Ports.Keys.Except(listeners.Keys))
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Parse(routes.Address), port));
        socket.Listen(512);
        listeners[port] = socket;
        _ = AcceptAsync(socket, port);
    }
}

async Task AcceptAsync(Socket listener, int port)
{
    while (true)
    {
        Socket client;
        try { client = await listener.AcceptAsync(stop.Token); }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
        _ = ForwardAsync(client, port);
    }
}

async Task ForwardAsync(Socket client, int port)
{
    using var _ = client;
    if (table.Read()?.Ports.GetValueOrDefault(port) is not { } target || target == 0) return;
    using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    client.NoDelay = true;
    try
    {
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        connect.CancelAfter(TimeSpan.FromSeconds(5));
        await backend.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target), connect.Token);
    }
    catch (Exception e) when (e is SocketException or OperationCanceledException)
    {
        client.LingerState = new LingerOption(true, 0); // a reset: the caller sees "refused", not a hang
        return;
    }
    await Task.WhenAll(PumpAsync(client, backend), PumpAsync(backend, client));
}

static async Task PumpAsync(Socket from, Socket to)
{
    var buffer = new byte[16 * 1024];
    try
    {
        int read;
        while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        to.Shutdown(SocketShutdown.Send); // pass the end of a request or response on, keep the other direction open
    }
    catch (Exception e) when (e is SocketException or ObjectDisposedException)
    {
        // One side reset: end both, so the other direction does not wait for ever.
        from.Dispose();
        to.Dispose();
    }
}

/// <summary>The routes as last read: the address to listen on and public port → slot port.</summary>
sealed record Routes(string Address, IReadOnlyDictionary<int, int> Ports);

/// <summary>routes.json, read at every accept; a file being replaced or unreadable keeps the last routes read.</summary>
sealed class RouteTable(string file)
{
    Routes? last;

    public Routes? Read()
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var address = json.RootElement.TryGetProperty("address", out var a) ? a.GetString() ?? "127.0.0.1" : "127.0.0.1";
            var ports = json.RootElement.GetProperty("routes").EnumerateArray()
                .ToDictionary(r => r.GetProperty("listen").GetInt32(), r => r.GetProperty("target").GetInt32());
            return last = new Routes(address, ports);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
        {
            return last;
        }
    }
}
