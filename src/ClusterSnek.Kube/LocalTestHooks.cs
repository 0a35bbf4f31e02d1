using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClusterSnek.Tools;
using Serilog;

namespace ClusterSnek.Kube;

/// <summary>One <c>helm.sh/hook: test</c> Pod of a rendered release, as the local runtime runs it.</summary>
public sealed record LocalTestHook(string Pod, string Subject, string Image, IReadOnlyList<string>? Command, IReadOnlyList<string> Args,
    string? User, string? Memory);

/// <summary>
/// The release's helm test Pods on the local runtime, after Verify's other checks: each runs to completion in podman with the
/// Pod's image, command/args, uid and memory limit, read-only and without capabilities, on the host network; a URL that
/// names one of the release's services (<c>http://backend:18181/…</c>, its Service) is called at 127.0.0.1 on the same
/// port (on the local runtime each service listens on its Service's port on loopback). Exit 0 passes, as with helm test.
/// </summary>
public sealed partial class LocalTestHooks(Podman podman)
{
    public const string Check = "helm-test";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<LocalTestHook> Of(RenderedManifests manifests) =>
        manifests.Documents
            .Where(d => RenderedManifests.KindOf(d) == "Pod" && (d["metadata"]?["annotations"]?["helm.sh/hook"]?.ToString() ?? "")
                .Split(',', StringSplitOptions.TrimEntries).Contains("test"))
            .Select(d =>
            {
                var spec = (JsonObject)d["spec"]!;
                var container = (JsonObject)((JsonArray)spec["containers"]!)[0]!;
                var name = RenderedManifests.NameOf(d);
                string? Security(string key) => container["securityContext"]?[key]?.ToString() ?? spec["securityContext"]?[key]?.ToString();
                var user = Security("runAsUser") is { } uid ? Security("runAsGroup") is { } gid ? $"{uid}:{gid}" : uid : null;
                return new LocalTestHook(name, d["metadata"]?["labels"]?["clustersnek.io/test-of"]?.ToString() ?? name,
                    container["image"]?.ToString() ?? "", Strings(container["command"]), Strings(container["args"]) ?? [], user,
                    PodmanMemory(container["resources"]?["limits"]?["memory"]?.ToString()));
            }).ToList();

    /// <summary>
    /// Runs the hooks side by side (each is an independent probe of one app; the release is already up), one check per hook in
    /// the rendered order (its app as the subject), evidence naming what ran and what it printed.
    /// </summary>
    public async Task<IReadOnlyList<VerificationCheck>> RunAsync(IReadOnlyList<LocalTestHook> hooks, IReadOnlyCollection<string> services,
        CancellationToken cancellation = default) =>
        await Task.WhenAll(hooks.Select(hook => RunOneAsync(hook, services, cancellation)));

    async Task<VerificationCheck> RunOneAsync(LocalTestHook hook, IReadOnlyCollection<string> services, CancellationToken cancellation)
    {
        var command = hook.Command?.Select(a => Local(a, services)).ToList();
        var args = hook.Args.Select(a => Local(a, services)).ToList();
        var shown = string.Join(' ', [.. command ?? ["(entrypoint)"], .. args]);
        var container = $"clustersnek-test-{hook.Subject}-{Guid.NewGuid():N}"[..40];
        var result = await podman.RunToCompletionAsync(new PodmanRunSettings(hook.Image, container)
        {
            User = hook.User, Entrypoint = command, Arguments = args, Memory = hook.Memory,
        }, Timeout, cancellation);
        var printed = (result.StandardOutput + "\n" + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault() ?? "(nothing)";
        var evidence = $"Pod/{hook.Pod}: {shown} → exit {result.ExitCode}" + (result.ExitCode == 137 ? $" (killed: over its memory limit {hook.Memory})" : "") + $": {printed}";
        Log.Information("helm test {Pod}: {Outcome}", hook.Pod, result.ExitCode == 0 ? "passed" : "FAILED: " + evidence);
        return result.ExitCode == 0 ? VerificationCheck.Pass(Check, hook.Subject, evidence) : VerificationCheck.Fail(Check, hook.Subject, evidence);
    }

    /// <summary>A URL at one of the release's Services (<c>http://name:port</c>, optionally <c>name.namespace.svc…</c>) becomes 127.0.0.1:port.</summary>
    public static string Local(string argument, IReadOnlyCollection<string> services) =>
        ServiceUrl().Replace(argument, m => services.Contains(m.Groups["service"].Value) ? $"{m.Groups["scheme"].Value}://127.0.0.1:{m.Groups["port"].Value}" : m.Value);

    /// <summary>A Kubernetes memory quantity (Ki/Mi/Gi or plain/decimal bytes) in podman's units; null when there is no limit.</summary>
    public static string? PodmanMemory(string? quantity)
    {
        if (string.IsNullOrWhiteSpace(quantity)) return null;
        var m = Quantity().Match(quantity.Trim());
        if (!m.Success) throw new InvalidOperationException($"memory limit '{quantity}' is not a Kubernetes quantity (e.g. 96Mi)");
        var number = decimal.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        var bytes = m.Groups["u"].Value switch
        {
            "Ki" => number * 1024, "Mi" => number * 1024 * 1024, "Gi" => number * 1024 * 1024 * 1024,
            "k" => number * 1000, "M" => number * 1000 * 1000, "G" => number * 1000 * 1000 * 1000, _ => number,
        };
        return ((long)bytes).ToString(CultureInfo.InvariantCulture) + "b";
    }

    static List<string>? Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => x?.ToString() ?? "").ToList() : null;

    [GeneratedRegex(@"(?<scheme>https?)://(?<service>[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[-a-z0-9.]+)?:(?<port>\d+)")]
    private static partial Regex ServiceUrl();

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>Ki|Mi|Gi|k|M|G)?$")]
    private static partial Regex Quantity();
}
