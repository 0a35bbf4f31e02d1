using System.Text.Json;

namespace ClusterSnek.Kube;

/// <summary>
/// Does each workload run the service it claims? Its /healthz names the service (from the service's code, never from
/// configuration) and the source revision it was built from, which must equal the running image's
/// <c>org.opencontainers.image.revision</c> label. Catches an image swapped between services, or a stale one.
/// </summary>
public static class ServiceIdentityCheck
{
    public const string Name = "service-identity";
    public const string RevisionLabel = "org.opencontainers.image.revision";

    /// <param name="healthBody">The body /healthz answered, or null when it did not answer.</param>
    /// <param name="running">The service's running containers, with the labels of their images.</param>
    public static VerificationCheck Evaluate(ServiceEndpoint endpoint, string? healthBody, IReadOnlyList<LiveContainer> running)
    {
        if (healthBody is null) return VerificationCheck.Fail(Name, endpoint.Name, $"/healthz on port {endpoint.Port} did not answer");
        string? service, revision;
        try
        {
            using var json = JsonDocument.Parse(healthBody);
            service = json.RootElement.TryGetProperty("service", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            revision = json.RootElement.TryGetProperty("revision", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        }
        catch (JsonException) { (service, revision) = (null, null); }
        // An image that states no identity (not one of ours) is not checked, and never counted as passed.
        if (service is null)
            return VerificationCheck.NotHere(Name, endpoint.Name, $"/healthz states no identity (JSON with service and revision): {Clip(healthBody.Trim())}");
        if (service != endpoint.Name)
            return VerificationCheck.Fail(Name, endpoint.Name, $"port {endpoint.Port} answers as {service}, not {endpoint.Name}");
        var labelled = running.Select(c => c.ImageRevision).Where(l => !string.IsNullOrEmpty(l)).Distinct().ToList();
        if (labelled.Count == 0)
            return VerificationCheck.Pass(Name, endpoint.Name, $"/healthz names {service}, revision {revision ?? "unknown"} (the image has no {RevisionLabel} label to compare)");
        if (revision is null || !labelled.Contains(revision))
            return VerificationCheck.Fail(Name, endpoint.Name,
                $"/healthz names revision {revision ?? "none"}, the running image's {RevisionLabel} is {string.Join(", ", labelled)}");
        return VerificationCheck.Pass(Name, endpoint.Name, $"/healthz names {service}, revision {revision} = the image's {RevisionLabel}");
    }

    static string Clip(string text) => text.Length > 120 ? text[..120] + "…" : text;
}
