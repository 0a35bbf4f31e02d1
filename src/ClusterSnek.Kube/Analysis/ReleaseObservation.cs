namespace ClusterSnek.Kube;

/// <summary>The last answer of a service's ready path during Verify: the HTTP status and body, or why nothing answered.</summary>
public sealed record ProbeAnswer(string Service, int Port, string Path, int? Status, string? Body, string? Error)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>Nothing accepted the connection (or it timed out): a slow start, a wrong port, or a process that is gone.</summary>
    public bool Unanswered => Status is null;

    public string Url => $"http://127.0.0.1:{Port}{Path}";

    /// <summary>One line: the call and its outcome, the body cut to 120 characters.</summary>
    public string Evidence => $"GET {Url} → " + (Status is { } s ? $"{s} {(Ok ? Excerpt(Body) : Reason(Body) ?? Excerpt(Body))}".TrimEnd() : Error ?? "no answer");

    /// <summary>A not-ready body's <c>reason</c> (the services' /readyz JSON), so the evidence shows why and not the JSON's start.</summary>
    static string? Reason(string? body)
    {
        if (body is null || !body.TrimStart().StartsWith('{')) return null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String
                ? "reason: " + Excerpt(r.GetString(), 240) : null;
        }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public static string Excerpt(string? body, int length = 120) =>
        body is null ? "" : (body.Trim().Length > length ? body.Trim()[..length] + "…" : body.Trim());
}

/// <summary>
/// Everything the runtime reported about a failed release, the one input of every <see cref="IReleaseAnalyzer"/>: live
/// containers (podman inspect, or pod status on a cluster), the failed checks, the ready paths' last answers, log tails,
/// the ports each container listens on, events (kube play's refusal, Kubernetes Warning events) and the call graph.
/// </summary>
public sealed record ReleaseObservation
{
    public IReadOnlyList<LiveContainer> Containers { get; init; } = [];
    public IReadOnlyList<VerificationCheck> Checks { get; init; } = [];
    public IReadOnlyList<ProbeAnswer> Answers { get; init; } = [];

    /// <summary>Where each service answers and what it calls (clustersnek.yaml's dependsOn).</summary>
    public IReadOnlyList<ServiceEndpoint> Endpoints { get; init; } = [];

    /// <summary>The images the release runs (to name the service of an image that cannot be pulled).</summary>
    public IReadOnlyList<PinnedImage> Images { get; init; } = [];

    /// <summary>Last log lines, by container name (podman) or by service (cluster evidence).</summary>
    public IReadOnlyDictionary<string, string> Logs { get; init; } = new Dictionary<string, string>();

    /// <summary>TCP ports each container's process listens on, by container name (local runtime; read from /proc).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Listening { get; init; } = new Dictionary<string, IReadOnlyList<int>>();

    public IReadOnlyList<FailureEvidence> Events { get; init; } = [];

    /// <summary>Why Verify stopped waiting before its deadline (a steady failure), when it did.</summary>
    public string? SteadyFailure { get; init; }

    /// <summary>
    /// The ready answers, and for a failed ready-endpoint check without one (the cluster's service-proxy call) an answer read
    /// back from the check's evidence (<c>GET … → 503 body</c>).
    /// </summary>
    public IReadOnlyList<ProbeAnswer> ReadyAnswers =>
    [
        .. Answers,
        .. Checks.Where(c => c is { Check: "ready-endpoint", Outcome: CheckOutcome.Failed } && Answers.All(a => a.Service != c.Subject))
            .Select(c => System.Text.RegularExpressions.Regex.Match(c.Evidence, @"^GET (\S+) → (\d{3})\s*(.*)$", System.Text.RegularExpressions.RegexOptions.Singleline) is { Success: true } m
                ? new ProbeAnswer(c.Subject, 0, m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[3].Value, null)
                : new ProbeAnswer(c.Subject, 0, "", null, null, c.Evidence)),
    ];

    public string? LogOf(LiveContainer c) =>
        Logs.TryGetValue(c.Container, out var log) ? log
        : Events.FirstOrDefault(e => e.Subject == c.Service && e.LogTail is not null)?.LogTail
        ?? (Logs.TryGetValue(c.Service, out var byService) ? byService : null);

    public IEnumerable<string> DependenciesOf(string service) =>
        Endpoints.FirstOrDefault(e => e.Name == service)?.DependsOn ?? [];

    /// <summary>Every service <paramref name="service"/> depends on, directly or through others.</summary>
    public IReadOnlySet<string> UpstreamOf(string service)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Queue<string>(DependenciesOf(service));
        while (next.TryDequeue(out var d))
            if (seen.Add(d)) foreach (var more in DependenciesOf(d)) next.Enqueue(more);
        return seen;
    }

    /// <summary>The services that call <paramref name="service"/>, directly or through others (who is downstream of it).</summary>
    public IReadOnlyList<string> DependentsOf(string service) =>
        Endpoints.Where(e => e.Name != service && UpstreamOf(e.Name).Contains(service))
            .OrderBy(e => UpstreamOf(e.Name).Count).Select(e => e.Name).ToList(); // the nearest caller first
}
