namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class CliTests
{
    sealed class Sample : PipelineBuild
    {
        [Parameter("Target environment")] public Stage Stage { get; set; } = Stage.Dev;
        [Parameter("Registry password"), Secret] public string? Password { get; set; }
        public Journal Journal { get; } = new();
        public Target Restore => _ => _.Description("Restore packages").Inputs("*.csproj").Executes(Journal.Step("Restore"));
        public Target Compile => _ => _.Description("Compile").DependsOn(Restore).Executes(Journal.Step("Compile"));
        public Target Images => _ => _.Description("Build images").DependsOn(Compile).Executes(Journal.Step("Images"));
        public Target Charts => _ => _.Description("Package charts").Executes(Journal.Step("Charts"));
        public Target Deploy => _ => _.Description("Deploy").DependsOn(Images, Charts).Executes(Journal.Step("Deploy"));
        public Target Report => _ => _.Description("Write the report").AlwaysLast().Executes(Journal.Step("Report"));
        public Target Secretive => _ => _.Unlisted().Executes(() => { });
    }

    [Fact]
    public void Help_lists_every_listed_target_and_parameter_with_type_default_and_source()
    {
        using var root = new TempRoot();
        var build = new Sample();
        var (exit, output) = Engine.Run(build, root, new Dictionary<string, string> { ["CLUSTERSNEK_STAGE"] = "Prod" }, "--help", "--max-parallel", "4");
        Assert.Equal(0, exit);
        Assert.Empty(build.Journal.Order);
        Expect.MatchesFile(output, "Help.Output.verified.txt");
    }

    [Fact]
    public void Plan_prints_the_waves_writes_plan_html_and_runs_nothing()
    {
        using var root = new TempRoot();
        var build = new Sample();
        var (exit, output) = Engine.Run(build, root, "Deploy", "--plan");
        Assert.Equal(0, exit);
        Assert.Empty(build.Journal.Order);
        Expect.MatchesFile(output, "Plan.Output.verified.txt");
        var html = File.ReadAllText(root.Path / "artifacts" / "plan.html");
        Assert.Contains("<svg", html);
        Assert.Contains(">Deploy</text>", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
    }

    [Fact]
    public void The_summary_table_lists_every_planned_target_with_its_status()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Sample(), root, "Deploy", "--skip", "Charts");
        Assert.Equal(0, exit);
        var table = output[output.IndexOf('╭', StringComparison.Ordinal)..];
        foreach (var (target, status) in new[] { ("Restore", "Succeeded"), ("Charts", "Skipped"), ("Deploy", "Succeeded"), ("Report", "Succeeded") })
            Assert.Matches($@"│ {target}\s+│ {status}\s+│", table);
        Assert.Contains("Build succeeded", output);
    }

    [Fact]
    public void Pipeline_json_records_targets_parameters_with_secrets_redacted_and_the_run()
    {
        using var root = new TempRoot();
        Engine.Run(new Sample(), root, "Compile", "--password", "s3cr3t-value");
        var json = root.PipelineJson().RootElement;
        Assert.Equal("***", json.GetProperty("parameters").GetProperty("Password").GetString());
        Assert.Equal(0, json.GetProperty("run").GetProperty("exitCode").GetInt32());
        Assert.Equal(["Restore", "Compile", "Report"], json.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToArray());
        Assert.True(json.GetProperty("targets")[1].GetProperty("durationMs").GetInt64() >= 0);
    }

    [Fact]
    public void The_parameters_schema_is_generated_from_the_build_class()
    {
        var schema = SchemaWriter.Generate(typeof(Sample), ["Restore", "Compile", "Deploy"]);
        Expect.MatchesFile(schema, "Schema.verified.json");
    }
}
