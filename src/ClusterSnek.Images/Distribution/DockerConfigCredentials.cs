using System.Text;
using System.Text.Json;

namespace ClusterSnek.Images.Distribution;

/// <summary>
/// Registry credentials from the files docker, podman, skopeo and cosign already share: <c>$REGISTRY_AUTH_FILE</c>,
/// <c>$XDG_RUNTIME_DIR/containers/auth.json</c>, <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c> (the "auths" entries).
/// </summary>
public static class DockerConfigCredentials
{
    public static RegistryAuth Load(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var files = new[]
        {
            environment("REGISTRY_AUTH_FILE"),
            environment("XDG_RUNTIME_DIR") is { Length: > 0 } run ? Path.Combine(run, "containers", "auth.json") : null,
            Path.Combine(environment("DOCKER_CONFIG") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json"),
        };
        var entries = new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files.Where(f => f is not null && File.Exists(f)))
            foreach (var (host, credentials) in Read(File.ReadAllText(file!)))
                entries.TryAdd(host, credentials);
        return new RegistryAuth(registry => entries.GetValueOrDefault(registry)
            ?? (registry == ImageReference.DockerHub ? entries.GetValueOrDefault("https://index.docker.io/v1/") : null));
    }

    /// <summary>The "auths" map: host → base64("user:password").</summary>
    public static IEnumerable<(string Host, RegistryCredentials Credentials)> Read(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); } catch (JsonException) { yield break; }
        using var _ = doc;
        if (!doc.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object) yield break;
        foreach (var entry in auths.EnumerateObject())
        {
            if (!entry.Value.TryGetProperty("auth", out var auth) || auth.GetString() is not { Length: > 0 } encoded) continue;
            string decoded;
            try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)); } catch (FormatException) { continue; }
            var colon = decoded.IndexOf(':');
            if (colon <= 0) continue;
            var host = entry.Name.Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal).TrimEnd('/');
            yield return (host, new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]));
        }
    }
}
