using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterSnek.Kube;

/// <summary>
/// Where one workload of a revision runs: its slot (1 or 2), the pod name that slot gives it, the port it listens on there,
/// the public port the entry point forwards to it, its readiness path, and the fingerprint of what runs (its document and
/// the ConfigMaps and Secrets it names): an equal fingerprint in the next revision means the pod is kept as it is.
/// </summary>
public sealed record SlotAssignment(string Workload, string Service, int Slot, string Fingerprint, int? PublicPort, int? SlotPort, string? ReadyPath)
{
    /// <summary>The name the workload runs under in its slot (its pods: NAME-pod-N).</summary>
    public string Running => LocalSlots.NameIn(Workload, Slot);
}

/// <summary>A workload of the next revision: started on a slot, or kept running as it is (<see cref="Keep"/>).</summary>
public sealed record SlotPlan(SlotAssignment Assignment, bool Keep, JsonObject Document);

/// <summary>
/// The two port slots of each workload on the local runtime. Host networking gives a port to one process, so a changed
/// workload starts on its other slot (its public port + 10 or + 20, within the checkout's block), the entry point switches
/// to it once it is ready, and the old pod stops after. Unchanged workloads keep their slot and their pod.
/// </summary>
public static class LocalSlots
{
    /// <summary>Slot k of a workload listens on its public port + k × this (the block leaves room for both slots).</summary>
    public const int Stride = LocalPorts.BlockSize;

    /// <summary>Environment variables that carry a workload's listening port (the service contract; PORT for simple images).</summary>
    static readonly string[] PortVariables = ["ASPNETCORE_HTTP_PORTS", "PORT"];

    public static string NameIn(string workload, int slot) => $"{workload}-s{slot}";

    /// <summary>
    /// Decides each workload's slot for the next revision: the same fingerprint running now keeps its slot and pod; anything
    /// else takes the slot the current revision does not use for it.
    /// </summary>
    public static IReadOnlyList<SlotPlan> Plan(LocalRelease release, IReadOnlyList<SlotAssignment> current)
    {
        var configs = release.Documents.Where(d => RenderedManifests.KindOf(d) == "ConfigMap")
            .ToDictionary(RenderedManifests.NameOf, d => d.ToJsonString());
        var secrets = release.Secrets.ToDictionary(s => s.Name, s => s.Content);
        var plans = new List<SlotPlan>();
        foreach (var document in release.Documents.Where(d => RenderedManifests.KindOf(d) is "Deployment" or "Pod"))
        {
            var workload = Workload.Of(document);
            var strings = Strings(document).ToHashSet(StringComparer.Ordinal);
            var fingerprint = RenderedManifests.Digest(document.ToJsonString()
                + string.Concat(configs.Where(c => strings.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value))
                + string.Concat(secrets.Where(s => strings.Contains(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + s.Value)));
            var port = PublicPort(document);
            var ready = document["metadata"]?["annotations"]?[RenderedManifests.ReadyPathAnnotation]?.ToString();
            var now = current.FirstOrDefault(a => a.Workload == workload.Name);
            if (now is not null && now.Fingerprint == fingerprint)
            {
                plans.Add(new SlotPlan(now, Keep: true, InSlot(document, now)));
                continue;
            }
            var slot = now?.Slot == 1 ? 2 : 1;
            var assignment = new SlotAssignment(workload.Name, workload.Service, slot, fingerprint, port, port + slot * Stride, ready);
            plans.Add(new SlotPlan(assignment, Keep: false, InSlot(document, assignment)));
        }
        return plans;
    }

    /// <summary>The port the workload's containers listen on as rendered: the public port of the service.</summary>
    static int? PublicPort(JsonObject document) =>
        (RenderedManifests.PodSpecOf(document)?["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(c => c["env"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => PortVariables.Contains(e["name"]?.ToString()))
            .Select(e => int.TryParse(e["value"]?.ToString(), out var p) ? p : (int?)null).FirstOrDefault(p => p is > 0);

    /// <summary>The document as it runs in its slot: renamed (pods and emptyDir volumes) and listening on the slot's port.</summary>
    static JsonObject InSlot(JsonObject document, SlotAssignment slot)
    {
        var d = (JsonObject)document.DeepClone();
        d["metadata"]!["name"] = slot.Running;
        var spec = RenderedManifests.PodSpecOf(d)!;
        // ForLocalRuntime named each emptyDir <workload>-<volume>; the slot's pod gets its own.
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>().Where(v => v["emptyDir"] is not null))
        {
            var old = volume["name"]!.GetValue<string>();
            if (!old.StartsWith(slot.Workload + "-", StringComparison.Ordinal) || old.StartsWith(slot.Running + "-", StringComparison.Ordinal)) continue;
            var renamed = slot.Running + old[slot.Workload.Length..];
            volume["name"] = renamed;
            foreach (var list in RenderedManifests.ContainerLists)
                foreach (var mount in (spec[list] as JsonArray ?? []).OfType<JsonObject>().SelectMany(c => (c["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>()))
                    if (mount["name"]?.GetValue<string>() == old) mount["name"] = renamed;
        }
        if (slot is { PublicPort: { } from, SlotPort: { } to })
            foreach (var variable in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(c => c["env"] as JsonArray ?? []).OfType<JsonObject>())
                if (PortVariables.Contains(variable["name"]?.ToString()) && variable["value"]?.ToString() == from.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    variable["value"] = to.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return d;
    }

    /// <summary>The text kube play gets for these documents (JSON documents are valid YAML).</summary>
    public static string Text(IEnumerable<JsonObject> documents) =>
        string.Join("---\n", documents.Select(d => d.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));

    static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => Strings(kv.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };
}
