using System.Text.Json.Nodes;
using ClusterSnek.Record;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// Run records built from the record types themselves (so the compiler checks the shape the writers write), one per situation
/// the report must tell apart. The recorded fixture (Fixtures/pipeline.recorded.json, from a real run) is read by RecordedRunTests.
/// </summary>
public static class Documents
{
    /// <summary>Tests pin "now" so an exception's expiry does not change the expected output over time.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    public const string EarlierCommit = "abc1234def5678abc1234def5678abc1234def56";
    public const string Registry = "127.0.0.1:5000/clustersnek";

    public static readonly Digest BackendDigest = new("sha256:aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999");
    public static readonly Digest FrontendDigest = new("sha256:ffff000011112222333344445555666677778888999900001111222233334444");
    public static readonly Digest EarlierBackendDigest = new("sha256:0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff");

    static TargetEntry Ran(
        string name, double startSeconds, double seconds, TargetStatus status = TargetStatus.Succeeded, string? reason = null) =>
        new(name, status, (long)(seconds * 1000), reason, Start.AddSeconds(startSeconds), Start.AddSeconds(startSeconds + seconds));

    static TargetEntry NotStarted(string name, TargetStatus status, string reason) => new(name, status, 0, reason, null, null);

    static PipelineDocument Run(
        int number, string[] requested, long durationMs, int? exitCode, string? commit, IReadOnlyList<TargetEntry> targets) =>
        new(PipelineDocument.CurrentSchemaVersion,
            new RunInfo(number, requested, Start, Start.AddMilliseconds(durationMs), durationMs, exitCode, commit,
                commit is null ? null : "main", "runner-7", "octocat", "Ubuntu 24.04", "github-actions"),
            targets, Parameters(),
            [new ToolUse("helm", "v4.2.3", ".nuke/tools/helm/helm"), new ToolUse("trivy", "0.44.1", ".nuke/tools/trivy/trivy")],
            []);

    static ParameterValues Parameters() => new()
    {
        ["Configuration"] = "Release", ["Env"] = "staging", ["RegistryPassword"] = "***", ["Skip"] = new JsonArray("Test"),
    };

    static IReadOnlyList<TargetEntry> ReleaseTargets(TargetStatus verify = TargetStatus.Succeeded, string? verifyReason = null) =>
    [
        Ran("Restore", 0, 0.04, TargetStatus.Cached, "cached locally: inputs unchanged"),
        Ran("Compile", 1, 20),
        Ran("PackageCharts", 1, 5),
        Ran("PolicyTest", 6, 8),
        Ran("BuildImages", 21, 30),
        Ran("Scan", 51, 12),
        Ran("Sbom", 51, 9),
        Ran("Sign", 63, 2),
        Ran("VerifySignatures", 65, 1),
        Ran("Deploy", 66, 20),
        Ran("Verify", 86, 10, verify, verifyReason),
        NotStarted("Test", TargetStatus.Skipped, "skipped (--skip)"),
    ];

    public static IReadOnlyList<ImageEntry> Images() =>
    [
        new("backend", $"{Registry}/backend", "0123456789ab", BackendDigest, 77_594_624, null, 3100, "dotnet-publish",
            new SmokeResult(true, 1200, "65532", true, true, null)),
        new("frontend", $"{Registry}/frontend", "0123456789ab", FrontendDigest, 75_000_000, null, 2900, "dotnet-publish",
            new SmokeResult(true, 900, "65532", true, true, null)),
    ];

    static ScanResult Clean(string subject, Digest? digest, VulnerabilityScan vulnerabilityScan) =>
        new(subject, digest, new GateVerdict(true, "no blocking findings", []), new SeverityCounts(0, 0, 0, 0, 0), vulnerabilityScan,
            0, 0, 0, [], [], [], [], $"artifacts/scan/{subject}.json", $"artifacts/scan/{subject}.sarif");

    public static ScanRecord Scan() => new(true, ["CRITICAL"], false, false, "policies/exceptions.yaml",
    [
        Clean("backend", BackendDigest, new VulnerabilityScan(true, null)) with
        {
            Counts = new SeverityCounts(0, 1, 0, 1, 0), Excepted = 1,
            Vulnerabilities =
            [
                new("CVE-2026-0002", "zlib1g", "1.2.13", null, "HIGH", "Inflate bug"),
                new("CVE-2026-0003", "libssl3", "3.0.11-1", "3.0.15-1", "LOW", "Timing side channel"),
            ],
            Exceptions = [new ExceptionUse("CVE-2026-0002", "not reachable: no inflate of untrusted input", new DateOnly(2027, 1, 31))],
        },
        Clean("frontend", FrontendDigest, new VulnerabilityScan(false, "trivy's vulnerability DB cannot be downloaded here")),
    ],
    Clean("repository", null, new VulnerabilityScan(false, "repository scan looks for secrets and misconfigurations only")) with
    {
        Counts = new SeverityCounts(0, 2, 0, 0, 0),
        Secrets = [new SecretFinding("app/appsettings.json", 12, "aws-access-key-id", "HIGH")],
        Misconfigurations =
        [
            new MisconfigurationFinding("KSV014", "charts/clustersnek/templates/deployment.yaml", "HIGH",
                "Root file system is not read-only"),
        ],
        Exceptions = [new ExceptionUse("KSV011", "cpu limits set by the namespace quota", new DateOnly(2026, 1, 1))],
    });

    static SbomRecord Sbom() => new(
    [
        new("backend", BackendDigest, "artifacts/sbom/backend.cdx.json", "CycloneDX", "1.5", 212, ["Apache-2.0", "MIT"]),
        new("frontend", FrontendDigest, "artifacts/sbom/frontend.cdx.json", "CycloneDX", "1.5", 180, ["BSD-3-Clause", "MIT"]),
    ]);

    static ImageSignature Signature(string service, Digest digest) =>
        new(service, digest, $"{digest.TagPrefix}.sig", null, $"{digest.TagPrefix}.att", ["https://cyclonedx.org/bom"]);

    static SigningRecord Signing() => new(SignerKind.Native, "cosign.pub", "sha256:5c2e0a9e1b7d", false, null,
        "cosign verify --key cosign.pub …", [Signature("backend", BackendDigest), Signature("frontend", FrontendDigest)]);

    static SignatureVerificationRecord SignatureVerification() => new(SignerKind.Native, "cosign.pub", "sha256:5c2e0a9e1b7d",
        [new("backend", BackendDigest, true, []), new("frontend", FrontendDigest, true, [])]);

    static PolicyEnvironmentResult Policy(string environment, IReadOnlyList<PolicyViolationEntry> violations)
    {
        var failed = violations.Count(v => !v.Excepted);
        return new(environment, failed == 0, 167, 167 - failed, failed, violations,
            violations.Where(v => v.Excepted).Select(v => $"{v.Policy} {v.Resource} (line 4, expires 2027-01-31)").ToList(), [],
            ["replicas_min", "registry_allowed", "resources_set"], false,
            $"artifacts/policies/{environment}.json", $"artifacts/policies/{environment}.sarif");
    }

    static IReadOnlyList<PolicyEnvironmentResult> Policies() =>
    [
        Policy("dev", []),
        Policy("staging",
            [
                new("replicas_min", "MEDIUM", "Deployment/ai-agent", "spec.replicas", "staging needs at least 2 replicas",
                    "set replicas: 2", true),
            ]),
    ];

    static DeploymentRecord Deployment() => new("staging", RuntimeKind.Local, "clustersnek-staging", "clustersnek", 4,
        DeploymentStatus.Deployed, true, Images().Select(i => i.Pinned).ToList(), 20_000, null, "0.1.0",
        "artifacts/releases/staging/manifests.yaml", null, null, [], null, [new ServiceUrl("frontend", "http://127.0.0.1:18080/")]);

    const string NotOnLocal = "not checked on the local runtime (podman has no API server; runs on a cluster with --kube-context)";

    static IReadOnlyList<VerificationCheck> PassingChecks() =>
    [
        VerificationCheck.Pass("rollout", "backend", "1/1 containers running and ready"),
        VerificationCheck.Pass("image-digest", "backend", $"{Registry}/backend@{BackendDigest} on 1 container(s)"),
        VerificationCheck.Pass("ready-endpoint", "backend", "GET http://127.0.0.1:18081/readyz → 200 ready"),
        VerificationCheck.Pass("chain", "frontend", "GET http://127.0.0.1:18080/api/chain → 200 frontend→backend→ai-agent→mcp-server"),
        VerificationCheck.NotHere("network-policy-default-deny", "clustersnek-staging", NotOnLocal),
        VerificationCheck.NotHere("helm-test", "clustersnek", NotOnLocal),
    ];

    static VerificationRecord Verified() => new(RuntimeKind.Local, 4, true, PassingChecks(), [], null, null, 10_000);

    /// <summary>./build.sh Deploy --env staging: every stage ran, the release verified.</summary>
    public static PipelineDocument DeployedAndVerified() => Run(12, ["Deploy"], 100_000, 0, Commit, ReleaseTargets()) with
    {
        Images = Images(), Scan = Scan(), Sbom = Sbom(), Signing = Signing(), SignatureVerification = SignatureVerification(),
        Charts = new ChartRecord("clustersnek", "0.1.0", "artifacts/charts/clustersnek-0.1.0.tgz", [], null),
        Policies = Policies(), Deployment = Deployment(), Verification = Verified(),
    };

    public static readonly DateTimeOffset RolledBackAt = Start.AddSeconds(95);

    /// <summary>The same run, but Verify failed on the backend, found the cause, rolled back to revision 3 and verified it.</summary>
    public static PipelineDocument VerifyFailedAndRolledBack()
    {
        const string reason = "2 checks failed: ready-endpoint backend: GET /readyz → 503; restarts backend: 4 restarts";
        var checks = PassingChecks().SelectMany(c => c.Check switch
        {
            "rollout" => [c, VerificationCheck.Fail("restarts", "backend", "backend: 4 restarts")],
            "ready-endpoint" => [VerificationCheck.Fail("ready-endpoint", "backend",
                "GET http://127.0.0.1:18081/readyz → 503 <script>alert(1)</script> (waited 30.0 s)")],
            _ => new[] { c },
        }).ToList();
        var rollback = new RollbackRecord(4, 3, "Verify failed: ready-endpoint backend", true, true,
            "helm rollback clustersnek 3 (revision 5 restores revision 3)", RolledBackAt);
        var verification = new VerificationRecord(RuntimeKind.Local, 4, false, checks,
            [new DiagnosisFinding("backend", "the database connection string is missing",
                "log: Unhandled exception: ConnectionStrings:Default is not set",
                "set backend.database.connectionString in values-staging.yaml")],
            rollback,
            PassingChecks().Where(c => c.Outcome == CheckOutcome.Passed)
                .Select(c => c with { Evidence = c.Evidence + " (revision 3)" }).ToList(),
            10_000);
        return DeployedAndVerified() with
        {
            Run = DeployedAndVerified().Run with { ExitCode = 1 },
            Targets = ReleaseTargets(TargetStatus.Failed, reason),
            Verification = verification,
        };
    }

    /// <summary>./build.sh Scan: images built and scanned; nothing after Scan was part of the run.</summary>
    public static PipelineDocument ScanOnly() => Run(13, ["Scan"], 63_000, 0, Commit,
        [
            Ran("Restore", 0, 0.04, TargetStatus.Cached, "cached locally: inputs unchanged"), Ran("Compile", 1, 20), Ran("BuildImages", 21, 30),
            Ran("Scan", 51, 12),
        ]) with
    {
        Images = Images(), Scan = Scan(),
    };

    /// <summary>./build.sh Deploy on a laptop without git: Compile failed, nothing after it ran.</summary>
    public static PipelineDocument CompileFailed() => Run(3, ["Deploy"], 21_000, 1, null,
    [
        Ran("Restore", 0, 1),
        Ran("Compile", 1, 20, TargetStatus.Failed, "build failed: CS1002 ; expected (src/services/backend/Program.cs:12)"),
        NotStarted("BuildImages", TargetStatus.NotRun, "dependency Compile failed"),
    ]) with
    { Parameters = new ParameterValues { ["Env"] = "dev" }, Tools = [] };

    /// <summary>A run with no targets at all (the engine stopped before the first).</summary>
    public static PipelineDocument Empty() => Run(1, [], 0, null, null, []) with { Parameters = new ParameterValues(), Tools = [] };

    /// <summary>
    /// ./build.sh Deploy Verify --skip BuildImages...: Deploy and Verify ran now; images, scan, SBOM, signatures and policies
    /// were carried from run 11 at an earlier commit.
    /// </summary>
    public static PipelineDocument DeployWithCarriedSupplyChain()
    {
        var earlier = Start.AddDays(-1);
        CarriedSection From(ISection section) => new(section.Name, section.Writer, 11, earlier, EarlierCommit);
        return DeployedAndVerified() with
        {
            Run = DeployedAndVerified().Run with { Number = 14, Requested = ["Deploy", "Verify"] },
            Targets = [Ran("Deploy", 0, 20), Ran("Verify", 20, 10)],
            Carried =
            [
                .. new ISection[]
                {
                    Sections.Images, Sections.Scan, Sections.Sbom, Sections.Signing, Sections.SignatureVerification, Sections.Policies,
                }.Select(From),
            ],
        };
    }

    /// <summary>The deployed run, but the scan recorded is of an earlier backend build (another digest).</summary>
    public static PipelineDocument ScanOfAnotherDigest()
    {
        var doc = DeployedAndVerified();
        var scan = doc.Scan!;
        var stale = scan.Images[0] with
        {
            Digest = EarlierBackendDigest,
            Counts = new SeverityCounts(1, 0, 0, 0, 0),
            Gate = new GateVerdict(false, "1 critical vulnerability without exception", []),
            Vulnerabilities =
                [new VulnerabilityFinding("CVE-2026-9999", "openssl", "1.1.1", "3.0.0", "CRITICAL", "Found only in the old build")],
        };
        return doc with { Scan = scan with { Images = [stale, scan.Images[1]] } };
    }
}
