using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using ClusterSnek.Pipeline;
using ClusterSnek.Record;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// Canary secrets: the real build (the compiled _build.dll) run as a process in a throwaway root, and the renderers given a
/// record with a registered secret in the places a run records text. No form of the canary may come out.
/// </summary>
public sealed class CanaryTests
{
    /// <summary>
    /// A secret with every character HTML, JSON or Markdown escapes, and non-ASCII; the unique part is plain hex, so a leak
    /// is found whatever encoding it went through.
    /// </summary>
    static (string Canary, string Marker) NewCanary()
    {
        var marker = Guid.NewGuid().ToString("N");
        return ($"cänary+\"<{marker}>&'✓|`", marker);
    }

    static void AssertNoForm(string canary, string marker, string text, string where)
    {
        Assert.False(text.Contains(marker, StringComparison.Ordinal), $"the canary leaked into {where}");
        foreach (var form in new[] { canary, HtmlEncoder.Default.Encode(canary), System.Text.Json.JsonSerializer.Serialize(canary)[1..^1] })
            Assert.False(text.Contains(form, StringComparison.Ordinal), $"the canary leaked into {where} as {form}");
    }

    static (int Exit, string Output) RunBuild(string root, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "_build.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["CLUSTERSNEK_ROOT"] = root;
        info.Environment.Remove("GITHUB_ACTIONS");
        info.Environment.Remove("GITHUB_TOKEN");
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + stderr.Result;
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    static TempFolder NewRoot()
    {
        var temp = new TempFolder();
        (temp.Path / ".nuke").CreateDirectory();
        File.Copy(Fixture.RepositoryRoot / "clustersnek.yaml", temp.Path / "clustersnek.yaml");
        return temp;
    }

    [Fact]
    public void A_canary_secret_parameter_appears_in_no_artifact_log_or_output()
    {
        using var root = NewRoot();
        var (canary, marker) = NewCanary();
        var (exit, output) = RunBuild(root.Path, "Report", "--git-hub-token", canary);
        Assert.True(exit == 0, output);
        AssertNoForm(canary, marker, output, "the output");
        var files = Directory.EnumerateFiles(root.Path / "artifacts", "*", SearchOption.AllDirectories).ToList();
        foreach (var name in new[] { "report.html", "report.md", "pipeline.json", "audit.jsonl", "audit.head.json", "pipeline.log" })
            Assert.Contains(files, f => Path.GetFileName(f) == name);
        foreach (var file in files) AssertNoForm(canary, marker, File.ReadAllText(file), Path.GetFileName(file));
        var parameters = PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json").Parameters;
        Assert.Equal(Redactor.Mask, parameters["GitHubToken"]!.GetValue<string>());
    }

    [Fact]
    public void Every_run_ends_with_a_report_and_a_verified_audit_log_in_a_record_that_reads_as_the_typed_record()
    {
        using var root = NewRoot();
        var (exit, output) = RunBuild(root.Path, "Report");
        Assert.True(exit == 0, output);
        Assert.Contains("audit log intact: 0 entries", output);
        // No --registry and no embedded registry in this root: verified locally, and said so (never passed as anchored).
        Assert.Contains("no registry reachable (embedded: no --registry, and this checkout has no embedded registry): " +
            "the audit log was verified locally only, not against an anchor", output);
        var doc = PipelineDocument.Read(root.Path / "artifacts" / "pipeline.json");
        Assert.True(doc.Audit!.Intact);
        Assert.StartsWith("no registry reachable", doc.Audit.Anchor);
        Assert.Equal(["Report"], doc.Run.Requested);
        Assert.Contains("Not shippable yet", File.ReadAllText(root.Path / "artifacts" / "report.html"));
    }

    [Fact]
    public void A_canary_with_markup_and_non_ascii_in_recorded_text_is_redacted_in_html_and_markdown()
    {
        var (canary, marker) = NewCanary();
        Redactor.Register(canary);
        var doc = Documents.VerifyFailedAndRolledBack();
        var verification = doc.Verification! with
        {
            Checks = [.. doc.Verification!.Checks, VerificationCheck.Fail("chain", "frontend", $"GET /api/chain → 500 password={canary}")],
            Diagnosis = [new DiagnosisFinding("backend", "the token was rejected", $"log: token {canary} expired", $"rotate {canary}")],
        };
        var planted = doc with
        {
            // An engine that forgot to mask a parameter, and a stage that echoed the secret into text it recorded.
            Parameters = new ParameterValues { ["Env"] = "staging", ["RegistryPassword"] = canary, ["Skip"] = new JsonArray(canary) },
            Targets = [.. doc.Targets.Select(t => t.Name == "Verify" ? t with { Reason = $"chain failed: {canary}" } : t)],
            Verification = verification,
            Deployment = doc.Deployment! with { Urls = [new ServiceUrl("frontend", $"http://user:{canary}@127.0.0.1:18080/")] },
        };
        var html = ReportRenderer.RenderHtml(planted, Documents.Now);
        var markdown = ReportRenderer.RenderMarkdown(planted, Documents.Now);
        AssertNoForm(canary, marker, html, "report.html");
        AssertNoForm(canary, marker, markdown, "report.md");
        Assert.Contains("password=***", html);
        Assert.Contains("log: token *** expired", markdown);
    }

    [Fact]
    public void VerifyAudit_fails_the_run_and_names_the_line_when_the_log_was_edited()
    {
        using var root = NewRoot();
        Assert.Equal(0, RunBuild(root.Path, "Report").Exit);
        var log = root.Path / "artifacts" / "audit.jsonl";
        File.WriteAllText(log, """{"seq":1,"time":"2026-11-25T10:00:00+00:00","actor":"x","target":"Deploy","action":"deploy","subject":"s","digest":null,"outcome":"succeeded","prev":"sha256:00"}""" + "\n");
        var (exit, output) = RunBuild(root.Path, "VerifyAudit");
        Assert.Equal(1, exit);
        Assert.Contains("line 1: does not start the chain", output);
    }
}
