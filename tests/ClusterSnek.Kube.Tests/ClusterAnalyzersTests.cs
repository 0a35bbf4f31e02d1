using System.Text.Json.Nodes;
using k8s.Models;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// The analyzers on the cluster path, on API responses in the Kubernetes API's documented shape (ApiResponses/ edited per
/// case: containerStatuses state/lastState, Warning events, the pod spec's limits). No cluster runs here; the same
/// analyzers run for real on the local runtime in <see cref="BrokenReleaseTests"/>.
/// </summary>
[Trait("Source", "Kubernetes API documented shape, no cluster here")]
public sealed class ClusterAnalyzersTests
{
    static readonly PinnedImage Frontend = new("frontend", "127.0.0.1:5000/clustersnek/frontend", new Digest("sha256:" + new string('1', 64)));
    static readonly PinnedImage Backend = new("backend", "127.0.0.1:5000/clustersnek/backend", new Digest("sha256:" + new string('2', 64)));
    static readonly Workload[] Workloads =
    [
        new("Deployment", "frontend", "frontend", 1, [("frontend", Frontend.Pinned)]),
        new("Deployment", "backend", "backend", 1, [("backend", Backend.Pinned)]),
    ];
    static readonly ServiceEndpoint[] Endpoints = [new("frontend", 8080, "/readyz") { DependsOn = ["backend"] }, new("backend", 8081, "/readyz")];

    /// <summary>pods.json with the backend container's status replaced (state, lastState, restarts) and its spec's memory limit.</summary>
    static V1PodList BackendPod(JsonObject state, JsonObject? lastState = null, int restarts = 0, string? memoryLimit = null) =>
        ApiResponse.Edit<V1PodList>("pods.json", n =>
        {
            var pod = n["items"]![1]!;
            var status = pod["status"]!["containerStatuses"]![0]!;
            status["state"] = state;
            status["lastState"] = lastState ?? new JsonObject();
            status["restartCount"] = restarts;
            if (memoryLimit is not null)
                pod["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = memoryLimit } };
        });

    static Corev1EventList Events(params (string Reason, string Message)[] warnings) => ApiResponse.Edit<Corev1EventList>("events.json", n =>
    {
        var items = new JsonArray();
        foreach (var (reason, message) in warnings)
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "backend-5f7b9c8d4-m8zlq." + reason, ["namespace"] = "clustersnek-dev" },
                ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = "clustersnek-dev", ["name"] = "backend-5f7b9c8d4-m8zlq" },
                ["reason"] = reason, ["message"] = message, ["type"] = "Warning", ["count"] = 3,
                ["lastTimestamp"] = "2026-11-25T10:02:00Z",
            });
        n["items"] = items;
    });

    static IReadOnlyList<DiagnosisFinding> Diagnose(V1PodList pods, Corev1EventList events, string? backendLog = null)
    {
        var live = ClusterChecks.LiveContainers(pods);
        var checks = WorkloadChecks.Evaluate(Workloads, live, [Frontend, Backend]).ToList();
        checks.Add(VerificationCheck.Fail("ready-endpoint", "frontend", "GET services/frontend:8080/proxy/readyz → 503 {\"reason\":\"http://backend:8081/ unreachable\"}"));
        var evidence = ClusterChecks.Evidence(pods, events).Select(e => e.Subject == "backend" && backendLog is not null ? e with { LogTail = backendLog } : e).ToList();
        return Diagnosis.Rank(checks, evidence, live, Endpoints, [Frontend, Backend]);
    }

    static JsonObject Waiting(string reason, string message) => new() { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } };

    static JsonObject Terminated(string reason, int exitCode) => new() { ["terminated"] = new JsonObject { ["reason"] = reason, ["exitCode"] = exitCode } };

    [Fact]
    public void Liveness_restarts_are_named_from_the_kubelets_Unhealthy_events_with_the_restart_count()
    {
        var pods = BackendPod(new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-11-25T10:01:30Z" } }, Terminated("Error", 143), restarts: 3);

        var diagnosis = Diagnose(pods, Events(("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")));

        Assert.Equal((CauseCodes.Liveness, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Contains("restarted 3 times", diagnosis[0].Cause);
        Assert.Contains("statuscode: 500", diagnosis[0].Evidence);
        Assert.Contains("probes.liveness", diagnosis[0].Fix);
    }

    [Fact]
    public void An_image_the_registry_refuses_to_serve_without_credentials_is_named_as_an_authentication_failure()
    {
        var pods = BackendPod(Waiting("ErrImagePull", $"failed to pull and unpack image \"{Backend.Pinned}\": failed to resolve reference: pulling from host 127.0.0.1:5000 failed with status code [manifests sha256:2222]: 401 Unauthorized"));

        var diagnosis = Diagnose(pods, Events(("Failed", $"Failed to pull image \"{Backend.Pinned}\": 401 Unauthorized")));

        Assert.Equal((CauseCodes.ImageAuth, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Contains("127.0.0.1:5000", diagnosis[0].Cause);
        Assert.Contains("imagePullSecrets", diagnosis[0].Fix);
    }

    [Fact]
    public void An_OOMKilled_last_state_is_named_with_the_pods_memory_limit_before_the_readiness_of_the_frontend_that_calls_it()
    {
        var pods = BackendPod(Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"), Terminated("OOMKilled", 137), restarts: 2, memoryLimit: "64Mi");

        var diagnosis = Diagnose(pods, Events(("BackOff", "Back-off restarting failed container backend")));

        Assert.Equal((CauseCodes.OomKilled, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Contains("64 MiB", diagnosis[0].Cause);
        Assert.Contains("exit code 137", diagnosis[0].Evidence);
        var frontend = Assert.Single(diagnosis, d => d.Subject == "frontend");
        Assert.Equal(CauseCodes.DependencyDown, frontend.Code);
        Assert.Contains("dependency backend is down (upstream of frontend)", frontend.Cause);
    }

    [Fact]
    public void A_missing_Secret_is_named_from_the_CreateContainerConfigError_message()
    {
        var pods = BackendPod(Waiting("CreateContainerConfigError", "secret \"db-credentials\" not found"));

        var diagnosis = Diagnose(pods, Events(("Failed", "Error: secret \"db-credentials\" not found")));

        Assert.Equal((CauseCodes.MissingSecret, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Contains("db-credentials", diagnosis[0].Cause);
    }

    [Fact]
    public void A_crash_loop_is_named_with_the_exit_code_of_the_last_state_and_the_last_log_lines()
    {
        var pods = BackendPod(Waiting("CrashLoopBackOff", "back-off 1m20s restarting failed container"), Terminated("Error", 1), restarts: 4);

        var diagnosis = Diagnose(pods, Events(("BackOff", "Back-off restarting failed container backend")),
            "info: starting\nUnhandled exception. System.InvalidOperationException: Configuration PORT='x' is not a port number (1-65535).");

        Assert.Equal((CauseCodes.CrashOnStart, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Equal("crashes on start (exit code 1)", diagnosis[0].Cause);
        Assert.Contains("is not a port number", diagnosis[0].Evidence);
    }

    [Fact]
    public void A_file_missing_at_start_is_named_with_its_path()
    {
        var pods = BackendPod(Waiting("CrashLoopBackOff", "back-off"), Terminated("Error", 134), restarts: 1);

        var diagnosis = Diagnose(pods, Events(), "Unhandled exception. System.IO.FileNotFoundException: Could not find file '/etc/clustersnek/tls/cert.pem'.");

        Assert.Equal((CauseCodes.MissingFile, "backend"), (diagnosis[0].Code, diagnosis[0].Subject));
        Assert.Contains("/etc/clustersnek/tls/cert.pem", diagnosis[0].Cause);
    }

    [Fact]
    public void Secret_values_in_log_lines_never_reach_the_diagnosis()
    {
        const string canary = "canary-7f3a9c2e-db-password";
        Pipeline.Redactor.Register(canary);
        var pods = BackendPod(Waiting("CrashLoopBackOff", "back-off"), Terminated("Error", 1), restarts: 1);

        var diagnosis = Diagnose(pods, Events(), $"fail: login rejected for {canary}\nfail: connection string Password=hunter2-not-registered; exiting");

        Assert.DoesNotContain(diagnosis, d => d.ToString().Contains(canary, StringComparison.Ordinal));
        Assert.DoesNotContain(diagnosis, d => d.ToString().Contains("hunter2-not-registered", StringComparison.Ordinal));
        Assert.Contains("Password=***", diagnosis[0].Evidence);
    }
}
