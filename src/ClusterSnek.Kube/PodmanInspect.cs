using System.Text.Json;

namespace ClusterSnek.Kube;

/// <summary>Reads one element of <c>podman container inspect</c> as a <see cref="LiveContainer"/>: live state and security, not the chart's intent.</summary>
public static class PodmanInspect
{
    static long MemoryLimit(JsonElement c) =>
        c.TryGetProperty("HostConfig", out var host) && host.TryGetProperty("Memory", out var memory) && memory.TryGetInt64(out var bytes) ? bytes : 0;

    /// <summary>Only the variables that choose a port: the rest of a container's environment may hold secrets.</summary>
    static readonly string[] PortKeys = ["PORT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "ASPNETCORE_HTTPS_PORTS"];

    static Dictionary<string, string> PortSettingsOf(JsonElement config)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!config.TryGetProperty("Env", out var env) || env.ValueKind != JsonValueKind.Array) return settings;
        foreach (var entry in env.EnumerateArray().Select(e => e.GetString() ?? ""))
            if (entry.Split('=', 2) is [var key, var value] && PortKeys.Contains(key)) settings[key] = value;
        return settings;
    }

    public static LiveContainer ToLiveContainer(string service, string pod, JsonElement c)
    {
        var state = c.GetProperty("State");
        var status = state.GetProperty("Status").GetString() ?? "unknown";
        var oom = state.TryGetProperty("OOMKilled", out var o) && o.GetBoolean();
        var exit = state.TryGetProperty("ExitCode", out var e) ? e.GetInt32() : 0;
        var restarts = c.TryGetProperty("RestartCount", out var r) ? r.GetInt32() : 0;
        // Kubernetes words for what podman shows, so the diagnosis reads the same on both runtimes.
        string? reason = status switch
        {
            "running" => null,
            // podman does not always set OOMKilled; a SIGKILL (137) under a memory limit is the kernel's OOM killer.
            _ when oom || exit == 137 && MemoryLimit(c) > 0 => "OOMKilled",
            "exited" or "stopped" => "CrashLoopBackOff",
            "created" or "configured" => "ContainerCreating",
            _ => status,
        };
        var name = c.GetProperty("Name").GetString() ?? "";
        var image = c.TryGetProperty("ImageName", out var n) ? n.GetString() ?? "" : "";
        var digest = c.TryGetProperty("ImageDigest", out var d) ? d.GetString() : null;

        var config = c.GetProperty("Config");
        var host = c.GetProperty("HostConfig");
        var user = config.TryGetProperty("User", out var u) ? u.GetString() : null;
        long? uid = long.TryParse((user ?? "").Split(':')[0], out var parsed) ? parsed : null;
        var securityOpt = host.TryGetProperty("SecurityOpt", out var so) && so.ValueKind == JsonValueKind.Array
            ? so.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var capAdd = host.TryGetProperty("CapAdd", out var ca) && ca.ValueKind == JsonValueKind.Array
            ? ca.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var effective = c.TryGetProperty("EffectiveCaps", out var ec) && ec.ValueKind == JsonValueKind.Array
            ? ec.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var privileged = host.TryGetProperty("Privileged", out var pr) && pr.GetBoolean();
        // podman applies its default seccomp profile unless told seccomp=unconfined (or the container is privileged).
        var seccomp = securityOpt.FirstOrDefault(s => s.StartsWith("seccomp=", StringComparison.Ordinal)) is { } opt
            ? (opt.EndsWith("unconfined", StringComparison.Ordinal) ? "Unconfined" : "Localhost")
            : privileged ? "Unconfined" : "RuntimeDefault";
        var security = new LiveSecurity(uid,
            host.TryGetProperty("ReadonlyRootfs", out var ro) && ro.GetBoolean(),
            [.. capAdd, .. effective.Except(capAdd)],
            privileged ? true : !securityOpt.Contains("no-new-privileges"),
            seccomp);
        var revision = config.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object
            && labels.TryGetProperty(ServiceIdentityCheck.RevisionLabel, out var label) ? label.GetString() : null;
        var limit = MemoryLimit(c);
        var pid = state.TryGetProperty("Pid", out var p) && p.TryGetInt32(out var pidValue) && pidValue > 0 ? pidValue : (int?)null;
        // A restarted container that runs again keeps its last exit code (0 would say nothing).
        int? exitCode = status != "running" ? exit : restarts > 0 && exit != 0 ? exit : null;
        return new LiveContainer(service, pod, name, image, digest, status, reason, status == "running", restarts, exitCode, security)
        {
            ImageRevision = revision,
            MemoryLimitBytes = limit > 0 ? limit : null,
            Pid = pid,
            PortSettings = PortSettingsOf(config),
        };
    }
}
