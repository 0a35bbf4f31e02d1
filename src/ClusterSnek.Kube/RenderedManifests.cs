using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Kube;

/// <summary>
/// A rendered release (multi-document YAML as <c>helm template</c> prints it), held as JSON objects so it can be
/// adapted and written back. JSON is valid YAML, and both kubectl and <c>podman kube play</c> read it.
/// </summary>
public sealed class RenderedManifests
{
    RenderedManifests(IReadOnlyList<JsonObject> documents) => Documents = documents;

    public IReadOnlyList<JsonObject> Documents { get; }

    /// <summary>Kinds podman kube play runs; everything else (Services, NetworkPolicies, quotas...) has no meaning there.</summary>
    public static readonly IReadOnlySet<string> LocalKinds = new HashSet<string>(StringComparer.Ordinal) { "Deployment", "Pod", "ConfigMap" };

    /// <summary>Parses multi-document YAML; a document that is not a mapping with kind and metadata.name is an error naming it.</summary>
    public static RenderedManifests Parse(string yaml, string origin)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new InvalidOperationException($"{origin}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}", e); }
        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" }) continue;
            if (YamlCoreSchema.ToJson(document.RootNode, origin) is not JsonObject o || o["kind"] is null || o["metadata"]?["name"] is null)
                throw new InvalidOperationException($"{origin}:{document.RootNode.Start.Line}: a document without kind and metadata.name; render the chart with helm template.");
            documents.Add(o);
        }
        return new RenderedManifests(documents);
    }

    public static string KindOf(JsonObject d) => d["kind"]!.GetValue<string>();

    public static string NameOf(JsonObject d) => d["metadata"]!["name"]!.GetValue<string>();

    /// <summary>
    /// The release as podman kube play with host networking takes it: only Deployments/Pods/ConfigMaps/Secrets, no helm
    /// test hooks, no containerPort/hostPort (host networking refuses port mappings; each service listens on its own port
    /// from its env), no probes (Verify calls /readyz itself), no ServiceAccount references (there is no API server).
    /// Secrets leave the text (it is kept under artifacts/): they become podman secrets in the JSON map shape podman 4.3's
    /// secretKeyRef reads (its own kube play of a Secret stores a shape it then cannot read).
    /// </summary>
    public LocalRelease ForLocalRuntime()
    {
        var kept = new List<JsonObject>();
        var dropped = new List<string>();
        var secrets = new List<LocalSecret>();
        foreach (var source in Documents)
        {
            var d = (JsonObject)source.DeepClone();
            var kind = KindOf(d);
            if (kind == "Secret" && d["metadata"]?["annotations"]?["helm.sh/hook"] is null)
            {
                secrets.Add(LocalSecret.Of(d));
                continue;
            }
            if (!LocalKinds.Contains(kind) || d["metadata"]?["annotations"]?["helm.sh/hook"] is not null)
            {
                dropped.Add($"{kind}/{NameOf(d)}");
                continue;
            }
            if (PodSpecOf(d) is { } spec)
            {
                KeepReadyPath(d, spec);
                // Deploy waits for a new pod on this path before it switches traffic to it (the probe itself is dropped below).
                if (ReadyPathOf(spec) is { } ready) ((JsonObject)(d["metadata"]!["annotations"] ??= new JsonObject()))[ReadyPathAnnotation] = ready;
                AdaptPodSpec(spec, NameOf(d));
            }
            kept.Add(d);
        }
        var text = string.Join("---\n", kept.Select(d => d.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        var tests = LocalTestHooks.Of(this);
        var digest = Digest(text + string.Concat(secrets.Select(x => x.Name + x.Content)) + JsonSerializer.Serialize(tests));
        return new LocalRelease(text, digest, kept.Where(d => KindOf(d) is "Deployment" or "Pod").Select(Workload.Of).ToList(), dropped, secrets)
        {
            Documents = kept,
            TestHooks = tests,
        };
    }

    /// <summary>The annotation that keeps a workload's readiness path after the probe is removed for the local runtime.</summary>
    public const string ReadyPathAnnotation = "clustersnek.dev/ready-path";

    static string? ReadyPathOf(JsonObject spec) =>
        (spec["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => c["readinessProbe"]?["httpGet"]?["path"]?.ToString()).FirstOrDefault(p => p is { Length: > 0 });

    /// <summary>Every image a workload of the release runs (hooks, Jobs and CronJobs included).</summary>
    public IReadOnlyList<string> Images() => Containers().Select(c => c.Image).Distinct().ToList();

    /// <summary>The lists of a pod spec that start containers; every one of them runs an image.</summary>
    public static readonly IReadOnlyList<string> ContainerLists = ["initContainers", "containers", "ephemeralContainers"];

    /// <summary>
    /// Every container of every document (hooks, test pods, Jobs, CronJobs, init and ephemeral containers included), with the
    /// document it stands in: what Deploy's gate checks, whatever runs it.
    /// </summary>
    public IReadOnlyList<RenderedContainer> Containers() =>
        Documents.SelectMany(d => PodSpecOf(d) is { } spec
            ? ContainerLists.SelectMany(list => (spec[list] as JsonArray ?? []).OfType<JsonObject>().Select(c => new RenderedContainer(
                $"{KindOf(d)}/{NameOf(d)}", d["metadata"]?["annotations"]?["helm.sh/hook"]?.ToString(), list,
                c["name"]?.ToString() ?? "(unnamed)", c["image"]?.ToString() ?? "")))
            : []).ToList();

    internal static JsonObject? PodSpecOf(JsonObject d) => KindOf(d) switch
    {
        "Pod" => d["spec"] as JsonObject,
        "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" or "ReplicationController" or "PodTemplate" =>
            (d["spec"]?["template"] ?? d["template"])?["spec"] as JsonObject,
        "CronJob" => d["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"] as JsonObject,
        _ => null,
    };

    static void KeepReadyPath(JsonObject d, JsonObject spec)
    {
        var path = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => c["readinessProbe"]?["httpGet"]?["path"]?.GetValue<string>()).FirstOrDefault(p => p is not null);
        if (path is null) return;
        var metadata = KindOf(d) == "Pod" ? d["metadata"] as JsonObject : d["spec"]?["template"]?["metadata"] as JsonObject;
        if (metadata is null) return;
        if (metadata["annotations"] is not JsonObject annotations) metadata["annotations"] = annotations = new JsonObject();
        annotations[ReadyPathAnnotation] = path;
    }

    static void AdaptPodSpec(JsonObject spec, string workload)
    {
        // podman 4.3 turns an emptyDir into a named volume called like the pod's volume, so every app's "tmp" would be one
        // shared volume; prefixing the workload keeps each pod's scratch space its own.
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>().Where(v => v["emptyDir"] is not null && !v["name"]!.GetValue<string>().StartsWith(workload + "-", StringComparison.Ordinal)))
        {
            var old = volume["name"]!.GetValue<string>();
            volume["name"] = $"{workload}-{old}";
            foreach (var list in ContainerLists)
                foreach (var mount in (spec[list] as JsonArray ?? []).OfType<JsonObject>().SelectMany(c => (c["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>()))
                    if (mount["name"]?.GetValue<string>() == old) mount["name"] = $"{workload}-{old}";
        }
        foreach (var key in new[] { "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "imagePullSecrets" }) spec.Remove(key);
        foreach (var list in ContainerLists)
            foreach (var c in spec[list] as JsonArray ?? [])
                if (c is JsonObject container)
                    foreach (var key in new[] { "ports", "livenessProbe", "readinessProbe", "startupProbe" }) container.Remove(key);
    }

    /// <summary>
    /// A digest of what the release applies, independent of document order and formatting, hooks left out: equal for
    /// <c>helm get manifest</c> of a deployed revision and <c>helm template</c> of the same chart and values.
    /// </summary>
    public string ContentDigest() =>
        Digest(string.Join("\n", Documents.Where(d => d["metadata"]?["annotations"]?["helm.sh/hook"] is null)
            .Select(d => Canonical(d)!.ToJsonString()).Order(StringComparer.Ordinal)));

    static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };

    internal static string Digest(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>One container of a rendered document: the document (kind/name), its helm hook if any, its list, its name and image.</summary>
public sealed record RenderedContainer(string Document, string? Hook, string List, string Name, string Image)
{
    public override string ToString() =>
        $"{Document}{(Hook is null ? "" : $" (helm hook {Hook})")} {Kind} {Name} image {(Image.Length == 0 ? "(none)" : Image)}";

    string Kind => List switch { "containers" => "container", "initContainers" => "initContainer", _ => "ephemeralContainer" };
}

/// <summary>A workload of the release: its kind, name, the service it belongs to and its containers' images.</summary>
public sealed record Workload(string Kind, string Name, string Service, int Replicas, IReadOnlyList<(string Container, string Image)> Containers)
{
    /// <summary>The path of the release's readiness probe (what a cluster's kubelet would call), when it has one.</summary>
    public string? ReadyPath { get; init; }

    internal static Workload Of(JsonObject d)
    {
        var spec = RenderedManifests.PodSpecOf(d)!;
        var labels = (RenderedManifests.KindOf(d) == "Pod" ? d["metadata"]?["labels"] : d["spec"]?["template"]?["metadata"]?["labels"]) as JsonObject;
        var service = labels?["app.kubernetes.io/name"]?.GetValue<string>() ?? labels?["app"]?.GetValue<string>() ?? RenderedManifests.NameOf(d);
        var replicas = RenderedManifests.KindOf(d) == "Pod" ? 1 : (int)(d["spec"]?["replicas"]?.GetValue<long>() ?? 1);
        var containers = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => (c["name"]!.GetValue<string>(), c["image"]?.GetValue<string>() ?? "")).ToList();
        var annotations = (RenderedManifests.KindOf(d) == "Pod" ? d["metadata"]?["annotations"] : d["spec"]?["template"]?["metadata"]?["annotations"]) as JsonObject;
        return new Workload(RenderedManifests.KindOf(d), RenderedManifests.NameOf(d), service, replicas, containers)
        {
            ReadyPath = annotations?[RenderedManifests.ReadyPathAnnotation]?.GetValue<string>(),
        };
    }
}

/// <summary>The release adapted for the local runtime: the text kube play gets, its digest, its workloads, what was left out, its secrets.</summary>
public sealed record LocalRelease(string Text, string Digest, IReadOnlyList<Workload> Workloads, IReadOnlyList<string> Dropped, IReadOnlyList<LocalSecret> Secrets)
{
    /// <summary>The release's helm test Pods (not played; Verify runs them after its checks).</summary>
    public IReadOnlyList<LocalTestHook> TestHooks { get; init; } = [];

    /// <summary>The documents of <see cref="Text"/> (Deployments, Pods, ConfigMaps), as kube play gets them.</summary>
    public IReadOnlyList<JsonObject> Documents { get; init; } = [];
}

/// <summary>A Secret of the release as a podman secret: its name and a JSON map of key → base64 value.</summary>
public sealed record LocalSecret(string Name, string Content)
{
    public override string ToString() => $"LocalSecret {{ Name = {Name} }}";

    internal static LocalSecret Of(JsonObject secret)
    {
        var map = new JsonObject();
        // A plain all-digit base64 value reads as a number; its text is the value all the same.
        foreach (var (key, value) in secret["data"] as JsonObject ?? []) map[key] = value?.ToString() ?? "";
        foreach (var (key, value) in secret["stringData"] as JsonObject ?? [])
            map[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
        return new LocalSecret(RenderedManifests.NameOf(secret), map.ToJsonString());
    }
}
