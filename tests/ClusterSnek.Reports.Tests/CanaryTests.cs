using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ClusterSnek.Reports.Tests;

/// <summary>The real build (the compiled _build.dll) run as a process in a throwaway root: what it leaves behind.</summary>
public sealed class CanaryTests
{
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
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var (exit, output) = RunBuild(root.Path, "Report", "--git-hub-token", canary);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain(canary, output);
        var files = Directory.EnumerateFiles(root.Path / "artifacts", "*", SearchOption.AllDirectories).ToList();
        foreach (var name in new[] { "report.html", "report.md", "pipeline.json", "audit.jsonl", "audit.head.json", "pipeline.log" })
            Assert.Contains(files, f => Path.GetFileName(f) == name);
        foreach (var file in files) Assert.DoesNotContain(canary, File.ReadAllText(file));
        Assert.Equal("***", JsonNode.Parse(File.ReadAllText(root.Path / "artifacts" / "pipeline.json"))!["parameters"]!["GitHubToken"]!.GetValue<string>());
    }

    [Fact]
    public void Every_run_ends_with_a_report_and_a_verified_audit_log_that_match_the_schema()
    {
        using var root = NewRoot();
        var (exit, output) = RunBuild(root.Path, "Report");
        Assert.True(exit == 0, output);
        Assert.Contains("audit log intact: 0 entries", output);
        var pipeline = JsonNode.Parse(File.ReadAllText(root.Path / "artifacts" / "pipeline.json"))!;
        Assert.Empty(SchemaTests.Errors(pipeline));
        Assert.Contains("Not shippable yet", File.ReadAllText(root.Path / "artifacts" / "report.html"));
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
