using System.Text.Json;

namespace ClusterSnek.Kube;

/// <summary>What a refused <c>podman kube play</c> tells the analyzers, and the release's secret values the diagnosis must never show.</summary>
public static class DeployFailure
{
    /// <summary>kube play's message as the event of the release (pull errors, a missing secret, a refused manifest).</summary>
    public static ReleaseObservation Observe(string failure, IReadOnlyList<PinnedImage> images, LocalRelease release) => new()
    {
        Events = [new FailureEvidence("release", "KubePlayFailed", failure, null)],
        Images = images,
        Endpoints = release.Workloads.Select(w => new ServiceEndpoint(w.Service, 0, "")).DistinctBy(e => e.Name).ToList(),
    };

    /// <summary>Registers every Secret value of the release with the run's redactor (podman's JSON map of key → base64).</summary>
    public static void RegisterSecrets(LocalRelease release)
    {
        foreach (var secret in release.Secrets)
        {
            using var map = JsonDocument.Parse(secret.Content);
            foreach (var value in map.RootElement.EnumerateObject())
                try { Pipeline.Redactor.Register(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value.Value.GetString() ?? ""))); }
                catch (FormatException) { Pipeline.Redactor.Register(value.Value.GetString()); }
        }
    }
}
