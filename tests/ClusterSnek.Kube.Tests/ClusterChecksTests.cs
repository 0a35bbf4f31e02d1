using k8s.Models;

namespace ClusterSnek.Kube.Tests;

/// <summary>Cluster-path checks on API responses in the Kubernetes API's documented shape (ApiResponses/; no cluster here).</summary>
[Trait("Source", "Kubernetes API documented shape, no cluster here")]
public sealed class ClusterChecksTests
{
    static readonly PinnedImage Frontend = new("frontend", "127.0.0.1:5000/clustersnek/frontend", new Digest("sha256:" + new string('1', 64)));
    static readonly PinnedImage Backend = new("backend", "127.0.0.1:5000/clustersnek/backend", new Digest("sha256:" + new string('2', 64)));
    static readonly Workload[] Workloads =
    [
        new("Deployment", "frontend", "frontend", 1, [("frontend", Frontend.Pinned)]),
        new("Deployment", "backend", "backend", 1, [("backend", Backend.Pinned)]),
    ];

    [Fact]
    public void A_crash_looping_container_is_fatal_and_the_diagnosis_names_it_first_with_its_last_log_line()
    {
        var pods = ApiResponse.Read<V1PodList>("pods.json");
        var live = ClusterChecks.LiveContainers(pods);
        var checks = WorkloadChecks.Evaluate(Workloads, live, [Frontend, Backend]);
        var evidence = ClusterChecks.Evidence(pods, ApiResponse.Read<Corev1EventList>("events.json"))
            .Select(e => e.Subject == "backend" ? e with { LogTail = "info: starting\nfail: missing secret db-password" } : e).ToList();

        var diagnosis = Diagnosis.Rank(checks, evidence, live);

        Assert.True(live.Single(c => c.Service == "backend").IsFatal);
        // The crash loop's own log names the cause: that is the first line, not the CrashLoopBackOff it leads to.
        Assert.Equal(("backend", CauseCodes.MissingSecret), (diagnosis[0].Subject, diagnosis[0].Code));
        Assert.EndsWith("log: fail: missing secret db-password", diagnosis[0].Evidence);
        Assert.Contains("exit code 1, 4 restarts", diagnosis[0].Evidence);
        Assert.NotNull(diagnosis[0].Fix);
        Assert.Contains(checks, c => c is { Check: "rollout", Subject: "backend", Outcome: CheckOutcome.Failed });
        Assert.Contains(checks, c => c is { Check: "restarts", Subject: "backend", Outcome: CheckOutcome.Failed, Evidence: "backend: 4 restarts" });
        Assert.Contains(checks, c => c is { Check: "rollout", Subject: "frontend", Outcome: CheckOutcome.Passed });
    }

    [Fact]
    public void Helm_test_pods_are_not_counted_as_app_containers()
    {
        var live = ClusterChecks.LiveContainers(ApiResponse.Read<V1PodList>("pods.json"));

        Assert.Equal(["backend", "frontend"], live.Select(c => c.Service).Order());
    }

    [Theory]
    [InlineData("ErrImagePull")]
    [InlineData("ImagePullBackOff")]
    [InlineData("CreateContainerConfigError")]
    public void A_waiting_reason_that_will_not_fix_itself_stops_the_wait(string reason)
    {
        var pods = ApiResponse.Edit<V1PodList>("pods.json", n => n["items"]![1]!["status"]!["containerStatuses"]![0]!["state"] =
            new System.Text.Json.Nodes.JsonObject { ["waiting"] = new System.Text.Json.Nodes.JsonObject { ["reason"] = reason, ["message"] = "from the kubelet" } });

        var backend = ClusterChecks.LiveContainers(pods).Single(c => c.Service == "backend");

        Assert.True(backend.IsFatal);
        Assert.Equal(reason, backend.Reason);
    }

    [Fact]
    public void A_container_restarting_after_an_OOM_kill_is_reported_as_OOMKilled()
    {
        var pods = ApiResponse.Edit<V1PodList>("pods.json", n => n["items"]![1]!["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["reason"] = "OOMKilled");

        var backend = ClusterChecks.LiveContainers(pods).Single(c => c.Service == "backend");

        Assert.Equal("OOMKilled", backend.Reason);
    }

    [Fact]
    public void A_pod_running_another_digest_than_the_signed_one_fails_the_digest_check()
    {
        var pods = ApiResponse.Edit<V1PodList>("pods.json", n => n["items"]![0]!["status"]!["containerStatuses"]![0]!["imageID"] =
            "127.0.0.1:5000/clustersnek/frontend@sha256:" + new string('9', 64));

        var checks = WorkloadChecks.Evaluate(Workloads, ClusterChecks.LiveContainers(pods), [Frontend, Backend]);

        var digest = checks.Single(c => c is { Check: "image-digest", Subject: "frontend" });
        Assert.Equal(CheckOutcome.Failed, digest.Outcome);
        Assert.Contains("runs sha256:9999", digest.Evidence);
    }

    [Fact]
    public void A_container_running_as_root_with_an_added_capability_fails_the_live_security_check()
    {
        var pods = ApiResponse.Edit<V1PodList>("pods.json", n =>
        {
            n["items"]![0]!["spec"]!["securityContext"]!["runAsUser"] = 0;
            n["items"]![0]!["spec"]!["containers"]![0]!["securityContext"]!["capabilities"]!["add"] = new System.Text.Json.Nodes.JsonArray("NET_ADMIN");
        });

        var checks = WorkloadChecks.Evaluate(Workloads, ClusterChecks.LiveContainers(pods), [Frontend, Backend]);

        var security = checks.Single(c => c is { Check: "security-context", Subject: "frontend" });
        Assert.Equal(CheckOutcome.Failed, security.Outcome);
        Assert.Equal("frontend: runs as uid 0; frontend: added capabilities NET_ADMIN", security.Evidence);
    }

    [Fact]
    public void A_namespace_with_default_deny_PSS_labels_a_quota_and_an_account_per_app_passes_the_cluster_only_checks()
    {
        var checks = ClusterChecks.NamespaceGuarantees(ApiResponse.Read<V1Namespace>("namespace.json"), ApiResponse.Read<V1NetworkPolicyList>("networkpolicies.json"),
            ApiResponse.Read<V1ServiceAccountList>("serviceaccounts.json"), ApiResponse.Read<V1ResourceQuotaList>("quotas.json"), ApiResponse.Read<V1PodList>("pods.json"));

        Assert.All(checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        Assert.Equal(["network-policy-default-deny", "pod-security-labels", "resource-quota", "service-account-per-app"], checks.Select(c => c.Check).Order());
    }

    [Fact]
    public void A_deny_policy_that_only_covers_ingress_is_not_default_deny()
    {
        var policies = ApiResponse.Edit<V1NetworkPolicyList>("networkpolicies.json", n => n["items"]![0]!["spec"]!["policyTypes"] = new System.Text.Json.Nodes.JsonArray("Ingress"));

        var checks = ClusterChecks.NamespaceGuarantees(ApiResponse.Read<V1Namespace>("namespace.json"), policies,
            ApiResponse.Read<V1ServiceAccountList>("serviceaccounts.json"), ApiResponse.Read<V1ResourceQuotaList>("quotas.json"), ApiResponse.Read<V1PodList>("pods.json"));

        var deny = checks.Single(c => c.Check == "network-policy-default-deny");
        Assert.Equal(CheckOutcome.Failed, deny.Outcome);
        Assert.Contains("denying egress", deny.Evidence);
    }

    [Fact]
    public void Apps_on_the_default_service_account_a_namespace_without_PSS_labels_and_no_quota_fail()
    {
        var pods = ApiResponse.Edit<V1PodList>("pods.json", n => n["items"]![1]!["spec"]!["serviceAccountName"] = "default");
        var ns = ApiResponse.Edit<V1Namespace>("namespace.json", n => n["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject());

        var checks = ClusterChecks.NamespaceGuarantees(ns, ApiResponse.Read<V1NetworkPolicyList>("networkpolicies.json"),
            ApiResponse.Read<V1ServiceAccountList>("serviceaccounts.json"), new V1ResourceQuotaList { Items = [] }, pods);

        Assert.Equal(CheckOutcome.Failed, checks.Single(c => c.Check == "service-account-per-app").Outcome);
        Assert.Contains("backend", checks.Single(c => c.Check == "service-account-per-app").Evidence);
        Assert.Equal(CheckOutcome.Failed, checks.Single(c => c.Check == "pod-security-labels").Outcome);
        Assert.Equal(CheckOutcome.Failed, checks.Single(c => c.Check == "resource-quota").Outcome);
    }
}
