using ClusterSnek.Supply.Scanning;

namespace ClusterSnek.Supply.Tests.Scanning;

/// <summary>The gate on Fixtures/trivy-report.schema-example.json: a report written by hand in Trivy's documented JSON shape (no DB here).</summary>
public sealed class GateTests
{
    static readonly DateOnly Today = new(2026, 11, 25);
    static IReadOnlyList<Finding> Findings => TrivyReport.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "trivy-report.schema-example.json")), "fixture");
    static GateOptions Default => new(GateOptions.DefaultFailOn, IgnoreUnfixed: false, RequireVulnerabilityScan: false);

    static IReadOnlyList<ExceptionEntry> Exceptions(string yaml) => ExceptionsFile.Parse(yaml, "policies/exceptions.yaml", Today);

    [Fact]
    public void Trivys_report_becomes_typed_findings_without_passing_checks()
    {
        var f = Findings;
        Assert.Equal(4, f.Count(x => x.Kind == FindingKind.Vulnerability));
        var secret = Assert.Single(f, x => x.Kind == FindingKind.Secret);
        Assert.Equal(("github-pat", Severity.Critical, "/app/appsettings.json", 3), (secret.Id, secret.Severity, secret.Target, secret.Line));
        var misconfiguration = Assert.Single(f, x => x.Kind == FindingKind.Misconfiguration);
        Assert.Equal(("AVD-KSV-0014", 20), (misconfiguration.Id, misconfiguration.Line));
        var critical = f.First(x => x.Id == "CVE-2099-0001");
        Assert.Equal(("libssl3", "3.0.14-1~deb12u1", "3.0.15-1~deb12u1"), (critical.Package, critical.InstalledVersion, critical.FixedVersion));
    }

    [Fact]
    public void High_and_critical_findings_block_by_default()
    {
        var d = ScanGate.Evaluate(Findings, Default, [], VulnerabilityScanStatus.Done);
        Assert.False(d.Passed);
        Assert.Equal(["CVE-2099-0001", "CVE-2099-0002", "GHSA-xxxx-0004", "github-pat", "AVD-KSV-0014"], d.Blocking.Select(b => b.Id));
        Assert.Equal("5 finding(s) at CRITICAL/HIGH", Assert.Single(d.Reasons));
        Assert.Equal((2, 3, 1, 0), (d.Counts["critical"], d.Counts["high"], d.Counts["medium"], d.Counts["low"]));
    }

    [Fact]
    public void Fail_on_critical_lets_high_findings_through()
    {
        var d = ScanGate.Evaluate(Findings, Default with { FailOn = GateOptions.ParseFailOn(["critical"]) }, [], VulnerabilityScanStatus.Done);
        Assert.Equal(["CVE-2099-0001", "github-pat"], d.Blocking.Select(b => b.Id));
    }

    [Fact]
    public void Ignore_unfixed_skips_vulnerabilities_without_a_fix_only()
    {
        var d = ScanGate.Evaluate(Findings, Default with { IgnoreUnfixed = true }, [], VulnerabilityScanStatus.Done);
        Assert.DoesNotContain(d.Blocking, b => b.Id == "CVE-2099-0002");
        Assert.Equal(1, d.IgnoredUnfixed);
        Assert.Contains(d.Blocking, b => b.Id == "github-pat");
    }

    [Fact]
    public void An_exception_covers_its_id_in_its_package_only()
    {
        var exceptions = Exceptions("""
            exceptions:
              - id: CVE-2099-0001
                package: libssl3
                reason: not reachable, no TLS server in the image
                expires: 2027-01-31
                approvedBy: security@clustersnek.dev
              - id: GHSA-xxxx-0004
                package: Some.Other.Package
                reason: wrong package
                expires: 2027-01-31
                approvedBy: security@clustersnek.dev
            """);
        var d = ScanGate.Evaluate(Findings, Default, exceptions, VulnerabilityScanStatus.Done);
        Assert.Equal("CVE-2099-0001", Assert.Single(d.Excepted).Finding.Id);
        Assert.Contains(d.Blocking, b => b.Id == "GHSA-xxxx-0004");
    }

    [Fact]
    public void A_path_exception_covers_findings_under_that_path()
    {
        var exceptions = Exceptions("""
            exceptions:
              - id: AVD-KSV-0014
                path: charts/clustersnek/templates/
                reason: the chart sets it through values
                expires: 2026-12-01
                approvedBy: lead
            """);
        var d = ScanGate.Evaluate(Findings, Default, exceptions, VulnerabilityScanStatus.Done);
        Assert.Equal("AVD-KSV-0014", Assert.Single(d.Excepted).Finding.Id);
    }

    [Fact]
    public void An_expired_exception_fails_with_its_line_number()
    {
        var e = Assert.Throws<ScanFailedException>(() => Exceptions("""
            exceptions:
              - id: CVE-2099-0001
                package: libssl3
                reason: r
                expires: 2026-01-01
                approvedBy: lead
              - id: CVE-2099-0002
                package: zlib1g
                reason: r
                expires: 2020-01-01
                approvedBy: lead
            """));
        Assert.StartsWith("policies/exceptions.yaml:2: exception CVE-2099-0001 expired on 2026-01-01", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exceptions:\n  - id: X\n    package: p\n    reason: r\n    expires: 2027-01-01\n", "policies/exceptions.yaml:2: exception X has no 'approvedBy'")]
    [InlineData("exceptions:\n  - id: X\n    package: p\n    path: q\n    reason: r\n    expires: 2027-01-01\n    approvedBy: me\n", "policies/exceptions.yaml:2: exception X needs exactly one of 'package' or 'path'")]
    [InlineData("exceptions:\n  - id: X\n    package: p\n    reason: r\n    expires: next week\n    approvedBy: me\n", "policies/exceptions.yaml:2: exception X: 'expires' must be a date")]
    [InlineData("exceptions:\n  - id: X\n    pakage: p\n", "policies/exceptions.yaml:3: unknown field 'pakage'")]
    [InlineData("exceptions: [\n", "policies/exceptions.yaml:2: not valid YAML")]
    public void A_malformed_exception_fails_with_its_line_number(string yaml, string expected)
    {
        var e = Assert.Throws<ScanFailedException>(() => Exceptions(yaml));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vulnerability_scan_that_did_not_run_fails_the_gate_only_when_required()
    {
        var notRun = VulnerabilityScanStatus.NotRun("no vulnerability database (offline)");
        Assert.True(ScanGate.Evaluate([], Default, [], notRun).Passed);
        var required = ScanGate.Evaluate([], Default with { RequireVulnerabilityScan = true }, [], notRun);
        Assert.Equal("vulnerability scan required (--require-vuln-scan) but not run: no vulnerability database (offline)", Assert.Single(required.Reasons));
    }

    [Fact]
    public void An_unknown_fail_on_severity_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GateOptions.ParseFailOn(["HIGH,SEVERE"]));
        Assert.Contains("'SEVERE' is not a severity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_become_SARIF_for_github_code_scanning() =>
        Expect.MatchesFile(Sarif.Write(Findings, "backend"), "Gate.Sarif.verified.json");
}

public sealed class RepositoryExceptionsTests
{
    [Fact]
    public void The_repositorys_own_exceptions_file_is_valid() =>
        ExceptionsFile.Load(RealTools.RepositoryRoot / "policies" / "exceptions.yaml", DateOnly.FromDateTime(DateTime.UtcNow));
}
