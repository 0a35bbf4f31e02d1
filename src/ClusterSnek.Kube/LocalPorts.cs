using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterSnek.Tools;

namespace ClusterSnek.Kube;

/// <summary>Why the release cannot take its ports: one line naming the port, its holder and the way out.</summary>
public sealed class PortInUseException(string message) : Exception(message);

/// <summary>
/// The host ports one checkout's release listens on in the local runtime (host networking: every port is the machine's).
/// A block of consecutive ports, one per service in clustersnek.yaml order, chosen once among free ports (starting at a
/// block derived from the checkout's path, so two checkouts rarely even try the same one), remembered in
/// artifacts/releases/&lt;env&gt;/ports.json and overridable with --port-base. The chart gets them as
/// <c>global.services.&lt;app&gt;.port</c>; Verify calls the same ports.
/// </summary>
public sealed record LocalPorts(int Base, IReadOnlyDictionary<string, int> Services, string ChosenBy)
{
    /// <summary>Services per block: the public ports, then the same again for port slot 1 (+10) and slot 2 (+20) (<see cref="LocalSlots"/>).</summary>
    public const int BlockSize = 10;

    /// <summary>A block spans its public ports and both slots.</summary>
    public const int BlockSpan = 3 * BlockSize;

    /// <summary>Blocks are chosen in 20000–29999: below Linux's ephemeral range (32768+), above the usual 8080s.</summary>
    public const int FirstPort = 20000, Blocks = 10000 / BlockSpan;

    /// <summary>Every port the release may listen on: each public port and its two slots.</summary>
    public IEnumerable<(string Service, int Port)> AllPorts() =>
        Services.SelectMany(kv => Enumerable.Range(0, 3).Select(k => (kv.Key, kv.Value + k * BlockSize)));

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int this[string service] => Services[service];

    /// <summary>
    /// The block for this checkout's release: <paramref name="requestedBase"/> when given (and remembered from then on), else
    /// the remembered one when it covers these services, else the first free block from the checkout's own starting point.
    /// </summary>
    public static LocalPorts Resolve(string file, IReadOnlyList<string> services, int? requestedBase, string checkout)
    {
        if (services.Count == 0) throw new ArgumentException("A release without services has no ports.", nameof(services));
        if (services.Count > BlockSize)
            throw new PortInUseException($"The local runtime's port block holds {BlockSize} services (and their two slots each); this stack has {services.Count}.");
        LocalPorts ports;
        if (requestedBase is { } requested)
        {
            if (requested < 1024 || requested + 2 * BlockSize + services.Count - 1 > 65535)
                throw new PortInUseException($"--port-base {requested}: the block {requested}–{requested + 2 * BlockSize + services.Count - 1} " +
                    "(public ports and both slots) must lie within 1024–65535.");
            ports = Block(requested, services, "--port-base");
        }
        else if (Load(file) is { } remembered && services.All(remembered.Services.ContainsKey)) return remembered;
        else ports = Block(FreeBase(services.Count, StartBlock(checkout)), services, "free block");
        if (Load(file) != ports) Save(file, ports);
        return ports;
    }

    /// <summary>The remembered block, or null when there is none (or it cannot be read: then a new one is chosen).</summary>
    public static LocalPorts? Load(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(file))!;
            var services = node["services"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>());
            return new LocalPorts(node["base"]!.GetValue<int>(), services, node["chosenBy"]?.GetValue<string>() ?? "remembered");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException) { return null; }
    }

    static void Save(string file, LocalPorts ports)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var node = new JsonObject
        {
            ["base"] = ports.Base,
            ["services"] = new JsonObject(ports.Services.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["chosenBy"] = ports.ChosenBy,
        };
        File.WriteAllText(file, node.ToJsonString(Json) + "\n");
    }

    public bool Equals(LocalPorts? other) => other is not null && Base == other.Base && ChosenBy == other.ChosenBy
        && Services.Count == other.Services.Count && Services.All(kv => other.Services.GetValueOrDefault(kv.Key) == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Base, Services.Count);

    static LocalPorts Block(int start, IReadOnlyList<string> services, string chosenBy) =>
        new(start, services.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => start + x.i), chosenBy);

    static int StartBlock(string checkout) =>
        (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(checkout)), 0) % Blocks);

    static int FreeBase(int count, int startBlock)
    {
        for (var i = 0; i < Blocks; i++)
        {
            var start = FirstPort + (startBlock + i) % Blocks * BlockSpan;
            if (Enumerable.Range(0, 3).SelectMany(k => Enumerable.Range(start + k * BlockSize, count)).All(LoopbackPort.IsFree)) return start;
        }
        throw new PortInUseException($"No block of {count} free ports (and their slots) in {FirstPort}–{FirstPort + Blocks * BlockSpan - 1} on 127.0.0.1; pass --port-base N.");
    }

    /// <summary>
    /// Fails with one line when a port of the block is held by anything but this release itself (<paramref name="ownPorts"/>:
    /// the ports its current revision listens on), naming the port, the service that needs it and what to do.
    /// </summary>
    public void EnsureAvailable(IReadOnlyCollection<int> ownPorts, string environment, string file)
    {
        foreach (var (service, port) in AllPorts().OrderBy(p => p.Port))
        {
            if (ownPorts.Contains(port) || LoopbackPort.IsFree(port)) continue;
            var other = FreeBase(Services.Count, StartBlock(file + port));
            throw new PortInUseException($"Port {port} on 127.0.0.1 ({service} of the {environment} release) is held by another program: " +
                $"stop it, or move this release with --port-base {other} (a free block; remembered in {file}).");
        }
    }

    /// <summary>The ports the containers of a rendered release listen on (their ASPNETCORE_HTTP_PORTS, the service contract).</summary>
    public static IReadOnlyList<int> ListenedOn(RenderedManifests manifests) =>
        manifests.Documents.Select(RenderedManifests.PodSpecOf).OfType<JsonObject>()
            .SelectMany(s => s["containers"] as JsonArray ?? [])
            .SelectMany(c => c?["env"] as JsonArray ?? [])
            .Where(e => e?["name"]?.GetValue<string>() == "ASPNETCORE_HTTP_PORTS")
            .Select(e => int.TryParse(e?["value"]?.ToString(), out var p) ? p : 0).Where(p => p > 0).ToList();
}
