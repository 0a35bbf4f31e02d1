using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ClusterSnek.Record;
using ClusterSnek.Reports.Audit;

namespace ClusterSnek.Reports.Tests;

public sealed partial class ReportTests
{
    static string Html(PipelineDocument doc) => ReportRenderer.RenderHtml(doc, Documents.Now);
    static string Markdown(PipelineDocument doc) => ReportRenderer.RenderMarkdown(doc, Documents.Now);

    /// <summary>One section of the HTML report, by its id.</summary>
    internal static string Section(string html, string id)
    {
        var start = html.IndexOf($"<section id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the report has no section {id}");
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<tr class=\"check\" data-outcome=\"(?<outcome>[^\"]*)\"><td>(?<check>[^<]*)</td><td>(?<subject>[^<]*)</td>")]
    internal static partial Regex CheckRow();

    [Fact]
    public void A_signed_scanned_verified_release_within_policy_is_shippable()
    {
        var verdict = Verdict.Of(Documents.DeployedAndVerified());
        Assert.Equal(Verdict.Shippable, verdict.State);
        Assert.Contains("frontend: vulnerability scan not run: trivy's vulnerability DB cannot be downloaded here", verdict.Caveats);
        Assert.Contains("2 verification check(s) not checked on the local runtime", verdict.Caveats);
    }

    [Fact]
    public void A_release_verified_with_the_development_key_says_so_in_its_verdict()
    {
        var doc = Documents.DeployedAndVerified();
        var verdict = Verdict.Of(doc with { SignatureVerification = doc.SignatureVerification! with { KeySource = KeySource.Development,
            PublicKey = "/home/dev/.clustersnek/keys/dev/cosign.pub" } });

        Assert.Contains("the release was verified with the development key (/home/dev/.clustersnek/keys/dev/cosign.pub), trusted on this machine only: " +
            "not a release verification (commit cosign.pub and sign with --signing-key)", verdict.Caveats);
    }

    [Fact]
    public void A_release_verified_with_the_committed_key_has_no_development_key_caveat()
    {
        var doc = Documents.DeployedAndVerified();
        var verdict = Verdict.Of(doc with { SignatureVerification = doc.SignatureVerification! with { KeySource = KeySource.Committed } });

        Assert.DoesNotContain(verdict.Caveats, c => c.Contains("development key"));
    }

    [Fact]
    public void A_failed_verify_blocks_the_verdict_and_names_the_failing_checks_and_the_rollback()
    {
        var verdict = Verdict.Of(Documents.VerifyFailedAndRolledBack());
        Assert.Equal(Verdict.Blocked, verdict.State);
        Assert.StartsWith("Verify failed: 2 checks failed", verdict.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("verification restarts of backend failed: backend: 4 restarts", verdict.Reasons);
        Assert.Contains(verdict.Reasons, r => r.StartsWith("verification ready-endpoint of backend failed: GET", StringComparison.Ordinal));
        Assert.Contains("rolled back from revision 4 to revision 3: Verify failed: ready-endpoint backend", verdict.Reasons);
    }

    [Fact]
    public void A_failed_verification_blocks_even_when_no_target_failed()
    {
        var doc = Documents.VerifyFailedAndRolledBack() with { Targets = Documents.DeployedAndVerified().Targets };
        Assert.Equal(Verdict.Blocked, Verdict.Of(doc).State);
    }

    [Fact]
    public void A_failed_scan_gate_blocks_the_verdict_and_names_the_subject()
    {
        var doc = Documents.DeployedAndVerified();
        var scan = doc.Scan! with { Passed = false };
        var blocked = scan.Images[0] with { Gate = new GateVerdict(false, "1 critical vulnerability without exception", []) };
        var verdict = Verdict.Of(doc with { Scan = scan with { Images = [blocked, scan.Images[1]] } });
        Assert.Equal(Verdict.Blocked, verdict.State);
        Assert.Contains("scan gate blocked backend: 1 critical vulnerability without exception", verdict.Reasons);
    }

    [Fact]
    public void A_policy_failure_blocks_the_verdict_with_the_first_violation()
    {
        var doc = Documents.DeployedAndVerified();
        var prod = new PolicyEnvironmentResult("prod", false, 167, 166, 1,
            [
                new PolicyViolationEntry("replicas_min", "HIGH", "Deployment/backend", "spec.replicas", "prod needs at least 2 replicas",
                    "set replicas: 2", false),
            ],
            [], [], [], false, "artifacts/policies/prod.json", "artifacts/policies/prod.sarif");
        var verdict = Verdict.Of(doc with { Policies = [.. doc.Policies!, prod] });
        Assert.Contains(
            "policies for prod: 1 of 167 checks failed (first: replicas_min on Deployment/backend: prod needs at least 2 replicas)",
            verdict.Reasons);
    }

    [Fact]
    public void A_green_run_without_images_is_not_called_shippable()
    {
        var compiled = Documents.Empty() with { Targets = [new TargetEntry("Compile", TargetStatus.Succeeded, 10, null, null, null)] };
        var verdict = Verdict.Of(compiled);
        Assert.Equal(Verdict.Incomplete, verdict.State);
        Assert.Contains("no images were built in this pipeline", verdict.Reasons);
    }

    [Fact]
    public void A_deployment_without_its_verification_is_not_called_shippable()
    {
        var verdict = Verdict.Of(Documents.DeployedAndVerified() with { Verification = null });
        Assert.Equal(Verdict.Incomplete, verdict.State);
        Assert.Contains("revision 4 of clustersnek was not verified", verdict.Reasons);
    }

    [Fact]
    public void Every_verification_check_shows_as_passed_failed_or_not_checked()
    {
        var doc = Documents.VerifyFailedAndRolledBack();
        var html = Html(doc);
        var rows = CheckRows(Section(html, "deployment"));
        Assert.Equal(doc.Verification!.Checks.Select(c => (c.Check, c.Subject, Outcome(c.Outcome))), rows);
        Assert.Contains(("ready-endpoint", "backend", "failed"), rows);
        Assert.Contains(("network-policy-default-deny", "clustersnek-staging", "not checked"), rows);
        Assert.DoesNotContain("unknown", Section(html, "deployment"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("| ready-endpoint | backend | failed |", Markdown(doc));
        Assert.Contains("| helm-test | clustersnek | not checked |", Markdown(doc));
    }

    internal static List<(string Check, string Subject, string Outcome)> CheckRows(string html) =>
        CheckRow().Matches(html).Select(m => (m.Groups["check"].Value, m.Groups["subject"].Value, m.Groups["outcome"].Value)).ToList();

    internal static string Outcome(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "passed", CheckOutcome.Failed => "failed", _ => "not checked",
    };

    [Fact]
    public void A_failed_verify_shows_the_failing_checks_the_diagnosis_and_the_rollback_in_their_own_section()
    {
        var html = Html(Documents.VerifyFailedAndRolledBack());
        var failure = Section(html, "failure");
        Assert.Contains(
            "<tr class=\"failed-check\"><td>restarts</td><td>backend</td><td class=\"mono\">backend: 4 restarts</td></tr>", failure);
        Assert.Contains("<td>the database connection string is missing</td>", failure);
        Assert.Contains("log: Unhandled exception: ConnectionStrings:Default is not set", failure);
        Assert.Contains("set backend.database.connectionString in values-staging.yaml", failure);
        Assert.Contains(
            "<tr class=\"rollback\"><td>Verify</td><td>4</td><td>3</td><td>Verify failed: ready-endpoint backend</td><td>restored</td>",
            failure);
        Assert.Contains("the restored revision verified", failure);
        Assert.Contains("Checks of the restored revision", failure);

        var markdown = Markdown(Documents.VerifyFailedAndRolledBack());
        Assert.Contains("### Failure, diagnosis and rollback", markdown);
        Assert.Contains("- diagnosis (backend): the database connection string is missing · evidence: log: Unhandled exception: " +
            "ConnectionStrings:Default is not set · fix: set backend.database.connectionString in values-staging.yaml", markdown);
        Assert.Contains("- Verify rolled back from revision 4 to revision 3: Verify failed: ready-endpoint backend; restored; " +
            "the restored revision verified", markdown);
    }

    [Fact]
    public void A_verified_release_has_no_failure_section()
    {
        Assert.DoesNotContain("<section id=\"failure\"", Html(Documents.DeployedAndVerified()), StringComparison.Ordinal);
        Assert.DoesNotContain("### Failure", Markdown(Documents.DeployedAndVerified()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rollback_by_Deploy_itself_shows_whether_the_restored_revision_verified()
    {
        var doc = Documents.DeployedAndVerified();
        var failed = doc.Deployment! with
        {
            Status = DeploymentStatus.RolledBack,
            Failure = "helm upgrade timed out: backend not ready",
            Diagnosis = [new DiagnosisFinding("backend", "image pull failed", "ErrImagePull 127.0.0.1:5000/clustersnek/backend", null)],
            Rollback = new RollbackRecord(5, 4, "Deploy failed", true, false, "helm rollback clustersnek 4", Documents.RolledBackAt),
        };
        var html = Html(doc with { Deployment = failed, Verification = null });
        var failure = Section(html, "failure");
        Assert.Contains("Deploy failed: <span class=\"mono\">helm upgrade timed out: backend not ready</span>", failure);
        Assert.Contains("<tr class=\"rollback\"><td>Deploy</td><td>5</td><td>4</td><td>Deploy failed</td>", failure);
        Assert.Contains("the restored revision did NOT verify", failure);
        Assert.Contains("<td>no fix known</td>", failure);
        Assert.Equal(Verdict.Blocked, Verdict.Of(doc with { Deployment = failed }).State);
    }

    [Fact]
    public void Licences_are_listed_per_image_from_its_SBOM()
    {
        var images = Section(Html(Documents.DeployedAndVerified()), "images");
        Assert.Matches("data-service=\"backend\">.*<td class=\"licences\">Apache-2.0, MIT</td>", images);
        Assert.Matches("data-service=\"frontend\">.*<td class=\"licences\">BSD-3-Clause, MIT</td>", images);
        Assert.Contains("| 212 components | Apache-2.0, MIT |", Markdown(Documents.DeployedAndVerified()));
    }

    [Fact]
    public void The_policies_table_counts_checks_passed_and_failed_from_the_record()
    {
        var policies = Section(Html(Documents.DeployedAndVerified()), "policies");
        const string passed = "<td><span class=\"pill passed\">passed</span></td>";
        Assert.Contains($"<tr data-environment=\"dev\"><td>dev</td>{passed}<td>167</td><td>167</td><td>0</td><td>0</td>", policies);
        Assert.Contains($"<tr data-environment=\"staging\"><td>staging</td>{passed}<td>167</td><td>167</td><td>0</td><td>1</td>", policies);
        // The matrix: replicas_min passes in dev and is excepted in staging.
        Assert.Contains(
            "<tr><td class=\"mono\">replicas_min</td><td class=\"cell pass\">pass</td><td class=\"cell exception\">exception</td></tr>",
            policies);
    }

    [Fact]
    public void A_section_carried_from_an_earlier_run_is_labelled_with_its_run_time_and_commit()
    {
        var doc = Documents.DeployWithCarriedSupplyChain();
        const string label = "from run 11 at 2026-11-24 10:00:00 UTC (commit abc1234)";
        var html = Html(doc);
        Assert.Contains($"Images {label}.", Section(html, "images"));
        Assert.Contains($"Scan {label}.", Section(html, "findings"));
        Assert.Contains($"Policies {label}.", Section(html, "policies"));
        Assert.Contains($"scan, sbom, signing and signatureVerification: {label}", Section(html, "images"));
        Assert.DoesNotContain("Deployment from run", Section(html, "deployment"));
        var markdown = Markdown(doc);
        Assert.Contains($"_Images {label}._", markdown);
        Assert.Contains($"**Not from this run:** images, scan, sbom, signing, signatureVerification and policies are {label}.", markdown);
        Assert.Contains(
            $"caveat: images, scan, sbom, signing, signatureVerification and policies are {label}, not from this run, at another commit",
            markdown);
    }

    [Fact]
    public void A_scan_of_another_digest_is_never_shown_next_to_an_image()
    {
        var doc = Documents.ScanOfAnotherDigest();
        var html = Html(doc);
        Assert.Matches("data-service=\"backend\">.*<td>not scanned</td>", Section(html, "images"));
        Assert.DoesNotContain("CVE-2026-9999", html);
        Assert.Contains("the scan of backend sha256:000011112222 is not shown", Section(html, "findings"));
        var verdict = Verdict.Of(doc);
        Assert.Equal(Verdict.Incomplete, verdict.State);
        Assert.Contains("backend sha256:aaaabbbbcccc was not scanned (the scan recorded is of another digest)", verdict.Reasons);
    }

    [Fact]
    public void A_run_that_failed_early_says_why_each_section_is_empty()
    {
        var html = Html(Documents.CompileFailed());
        Assert.Contains("Compile failed: build failed: CS1002 ; expected (src/services/backend/Program.cs:12)", html);
        Assert.Contains("Images: BuildImages did not run: dependency Compile failed", html);
        Assert.Contains("Policies: not run in this pipeline (PolicyTest was not part of it)", html);
        Assert.Contains("Verification: not run in this pipeline (Verify was not part of it)", html);
    }

    [Fact]
    public void A_scan_only_run_shows_images_and_findings_and_says_the_rest_was_not_part_of_it()
    {
        var html = Html(Documents.ScanOnly());
        Assert.Contains("<tr class=\"image\" data-service=\"backend\">", html);
        Assert.Contains("Deployment: not run in this pipeline (Deploy was not part of it)", html);
        Assert.Matches("data-service=\"backend\">.*<td>not signed</td>|<span class=\"mono\">not signed</span>", Section(html, "images"));
        Assert.Equal(Verdict.Incomplete, Verdict.Of(Documents.ScanOnly()).State);
    }

    [Fact]
    public void An_empty_run_still_renders_a_report()
    {
        var html = Html(Documents.Empty());
        Assert.Contains("Not shippable yet", html);
        Assert.Contains("No target has finished yet.", html);
    }

    [Fact]
    public void A_secret_found_by_the_scan_is_shown_by_file_line_and_rule_only()
    {
        var findings = Section(Html(Documents.VerifyFailedAndRolledBack()), "findings");
        Assert.Contains(
            "<td>repository</td><td class=\"mono\">app/appsettings.json</td><td>12</td><td>aws-access-key-id</td><td>HIGH</td>", findings);
        Assert.Contains("`app/appsettings.json:12` (aws-access-key-id, repository)", Markdown(Documents.VerifyFailedAndRolledBack()));
    }

    [Fact]
    public void Text_from_the_run_is_html_escaped()
    {
        var html = Html(Documents.VerifyFailedAndRolledBack());
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void An_expired_exception_is_marked_expired_and_a_current_one_is_not()
    {
        var exceptions = ReportModel.From(Documents.DeployedAndVerified(), Documents.Now)["findings"]!["exceptions"]!.AsArray();
        Assert.True(exceptions.Single(x => x!["id"]!.GetValue<string>() == "KSV011")!["expired"]!.GetValue<bool>());
        Assert.False(exceptions.Single(x => x!["id"]!.GetValue<string>() == "CVE-2026-0002")!["expired"]!.GetValue<bool>());
    }

    [Fact]
    public void Parallel_targets_overlap_on_the_timeline()
    {
        var rows = ReportModel.From(Documents.DeployedAndVerified(), Documents.Now)["timeline"]!["rows"]!.AsArray();
        var scan = rows.Single(r => r!["name"]!.GetValue<string>() == "Scan")!;
        Assert.Equal("Sbom", scan["parallelWith"]!.GetValue<string>());
        Assert.Equal("cached locally", rows.Single(r => r!["name"]!.GetValue<string>() == "Restore")!["note"]!.GetValue<string>());
        Assert.False(rows.Single(r => r!["name"]!.GetValue<string>() == "Test")!["hasBar"]!.GetValue<bool>());
    }

    [Fact]
    public void The_report_loads_nothing_from_anywhere()
    {
        var html = Html(Documents.VerifyFailedAndRolledBack());
        Assert.DoesNotMatch("(src|href)=\"[a-z]+:", html);
        Assert.DoesNotContain("<link", html);
        Assert.Contains("default-src 'none'", html);
    }

    [Fact]
    public void The_job_summary_of_a_verified_release_matches_its_expectation() =>
        Expect.MatchesFile(Markdown(Documents.DeployedAndVerified()), "Summary.deployed-and-verified.verified.md");

    [Fact]
    public void The_job_summary_of_a_rolled_back_release_matches_its_expectation() =>
        Expect.MatchesFile(Markdown(Documents.VerifyFailedAndRolledBack()), "Summary.verify-failed-and-rolled-back.verified.md");

    [Fact]
    public void The_job_summary_of_a_run_with_carried_sections_matches_its_expectation() =>
        Expect.MatchesFile(Markdown(Documents.DeployWithCarriedSupplyChain()), "Summary.carried.verified.md");

    [Fact]
    public void The_job_summary_goes_to_GITHUB_STEP_SUMMARY_only_on_a_runner()
    {
        using var temp = new TempFolder();
        var summary = temp.Path / "step-summary.md";
        var environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary };
        JobSummary.Write(Documents.CompileFailed(), temp.Path / "report.md", n => environment.GetValueOrDefault(n), []);
        Assert.Contains("Compile failed", File.ReadAllText(summary));
        File.Delete(summary);
        JobSummary.Write(Documents.CompileFailed(), temp.Path / "report.md",
            n => n == "GITHUB_ACTIONS" ? null : environment.GetValueOrDefault(n), []);
        Assert.False(File.Exists(summary));
        Assert.Contains("Compile failed", File.ReadAllText(temp.Path / "report.md"));
    }

    [Fact]
    public void WriteReport_writes_the_html_where_it_is_told_and_returns_that_path()
    {
        using var temp = new TempFolder();
        var written = ReportRenderer.WriteReport(Documents.DeployedAndVerified(), temp.Path / "out" / "report.html", []);
        Assert.Equal(temp.Path / "out" / "report.html", written);
        Assert.Contains("Shippable", File.ReadAllText(written));
        Assert.False(File.Exists(written + ".tmp"));
    }

    [Fact]
    public void The_side_effects_of_this_run_are_listed_from_the_audit_log()
    {
        using var temp = new TempFolder();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var log = new AuditLog(temp.Path / AuditLog.FileName, new AuditSigner(key));
        var now = Documents.Now;
        log.Append(AuditAction.ImagePush, "an-earlier-run/image", null, AuditOutcome.Succeeded, "BuildImages", "ci", now.AddDays(-1));
        log.Append(AuditAction.Deploy, "clustersnek/staging", Documents.BackendDigest.Value, AuditOutcome.Failed, "Deploy", "ci", now);
        var html = ReportRenderer.RenderHtml(Documents.VerifyFailedAndRolledBack(), now, log.EntriesSince(now.AddHours(-1)));
        var audit = Section(html, "audit");
        Assert.Contains("<td class=\"mono\">clustersnek/staging</td><td class=\"mono\">sha256:aaaabbbbcccc</td>" +
            "<td><span class=\"pill fail\">failed</span>", audit);
        Assert.DoesNotContain("an-earlier-run/image", html);
    }
}
