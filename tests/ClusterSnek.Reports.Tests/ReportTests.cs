using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports.Tests;

public sealed class ReportTests
{
    [Fact]
    public void A_failed_verification_blocks_the_verdict_and_names_the_check()
    {
        var verdict = Verdict.Of(Fixture.Full);
        Assert.Equal(Verdict.Blocked, verdict.State);
        Assert.Contains(verdict.Reasons, r => r.StartsWith("Verify failed: readiness of backend failed", StringComparison.Ordinal));
        Assert.Contains(verdict.Reasons, r => r == "scan gate blocked backend: 1 critical vulnerability without exception");
        Assert.Contains(verdict.Reasons, r => r == "policies for prod: 1 failed");
    }

    [Fact]
    public void A_run_with_signed_gated_images_within_policy_is_shippable()
    {
        var pipeline = JsonNode.Parse("""
            { "targets": [ { "name": "Sign", "status": "Succeeded" } ],
              "images": [ { "service": "api", "signature": { "keyId": "k" }, "scan": { "gate": "passed" } } ],
              "policies": [ { "environment": "prod", "checks": 3, "passed": 3, "failed": 0 } ] }
            """)!;
        Assert.Equal(Verdict.Shippable, Verdict.Of(pipeline).State);
    }

    [Fact]
    public void A_green_run_without_images_is_not_called_shippable()
    {
        var verdict = Verdict.Of(JsonNode.Parse("""{ "targets": [ { "name": "Compile", "status": "Succeeded" } ] }""")!);
        Assert.Equal(Verdict.Incomplete, verdict.State);
        Assert.Contains("no images were built in this pipeline", verdict.Reasons);
    }

    [Fact]
    public void A_run_that_failed_early_says_why_each_section_is_empty()
    {
        var html = ReportRenderer.RenderHtml(Fixture.Partial, Fixture.Now);
        Assert.Contains("Compile failed: build failed: CS1002 ; expected (src/services/backend/Program.cs:12)", html);
        Assert.Contains("Images: BuildImages did not run: dependency Compile failed", html);
        Assert.Contains("Policies: not run in this pipeline (PolicyTest was not part of it)", html);
        Assert.Contains("Verification: not run in this pipeline (Verify was not part of it)", html);
    }

    [Fact]
    public void An_empty_document_still_renders_a_report()
    {
        var html = ReportRenderer.RenderHtml(new JsonObject(), Fixture.Now);
        Assert.Contains("Not shippable yet", html);
        Assert.Contains("No target has finished yet.", html);
    }

    [Fact]
    public void A_secret_found_by_the_scan_is_shown_by_rule_and_line_never_by_its_text()
    {
        var html = ReportRenderer.RenderHtml(Fixture.Full, Fixture.Now);
        var markdown = ReportRenderer.RenderMarkdown(Fixture.Full, Fixture.Now);
        Assert.Contains("aws-access-key-id", html);
        Assert.DoesNotContain("AKIAEXAMPLESECRETVALUE", html);
        Assert.DoesNotContain("AKIAEXAMPLESECRETVALUE", markdown);
    }

    [Fact]
    public void Text_from_the_run_is_html_escaped()
    {
        var html = ReportRenderer.RenderHtml(Fixture.Full, Fixture.Now);
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void An_expired_exception_is_marked_expired_and_a_current_one_is_not()
    {
        var findings = ReportModel.From(Fixture.Full, Fixture.Now)["findings"]!["exceptions"]!.AsArray();
        Assert.True(findings.Single(x => x!["id"]!.GetValue<string>() == "KSV011")!["expired"]!.GetValue<bool>());
        Assert.False(findings.Single(x => x!["id"]!.GetValue<string>() == "CVE-2026-0002")!["expired"]!.GetValue<bool>());
    }

    [Fact]
    public void Parallel_targets_overlap_on_the_timeline()
    {
        var rows = ReportModel.From(Fixture.Full, Fixture.Now)["timeline"]!["rows"]!.AsArray();
        var scan = rows.Single(r => r!["name"]!.GetValue<string>() == "Scan")!;
        Assert.Equal("Sbom", scan["parallelWith"]!.GetValue<string>());
        Assert.Equal("cached", rows.Single(r => r!["name"]!.GetValue<string>() == "Restore")!["note"]!.GetValue<string>());
        Assert.False(rows.Single(r => r!["name"]!.GetValue<string>() == "Test")!["hasBar"]!.GetValue<bool>());
    }

    [Fact]
    public void The_report_loads_nothing_from_anywhere()
    {
        var html = ReportRenderer.RenderHtml(Fixture.Full, Fixture.Now);
        Assert.DoesNotMatch("(src|href)=\"[a-z]+:", html);
        Assert.DoesNotContain("<link", html);
        Assert.Contains("default-src 'none'", html);
    }

    [Fact]
    public void The_job_summary_matches_its_expectation()
    {
        Expect.MatchesFile(ReportRenderer.RenderMarkdown(Fixture.Full, Fixture.Now), "Summary.full.verified.md");
    }

    [Fact]
    public void The_job_summary_goes_to_GITHUB_STEP_SUMMARY_only_on_a_runner()
    {
        using var temp = new TempFolder();
        var summary = temp.Path / "step-summary.md";
        var environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary };
        JobSummary.Write(Fixture.Partial, temp.Path / "report.md", n => environment.GetValueOrDefault(n));
        Assert.Contains("Compile failed", File.ReadAllText(summary));
        File.Delete(summary);
        JobSummary.Write(Fixture.Partial, temp.Path / "report.md", n => n == "GITHUB_ACTIONS" ? null : environment.GetValueOrDefault(n));
        Assert.False(File.Exists(summary));
    }

    [Fact]
    public void The_side_effects_of_this_run_are_listed_from_the_audit_log()
    {
        using var temp = new TempFolder();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var log = new AuditLog(temp.Path / AuditLog.FileName, new AuditSigner(key));
        log.Append(AuditAction.ImagePush, "an-earlier-run/image", null, AuditOutcome.Succeeded, "BuildImages", "ci", Fixture.Now.AddDays(-1));
        log.Append(AuditAction.Deploy, "clustersnek/staging", "sha256:abc", AuditOutcome.Failed, "Deploy", "ci", Fixture.Now);
        var html = ReportRenderer.RenderHtml(Fixture.Full, Fixture.Now, log.EntriesSince(Fixture.Now.AddHours(-1)));
        Assert.Contains("<td class=\"mono\">clustersnek/staging</td>", html);
        Assert.DoesNotContain("an-earlier-run/image", html);
    }
}
