namespace ClusterSnek.Pipeline.Tests;

/// <summary>Faults at the engine's boundary: one line on the console, the stack trace in artifacts/logs/ only.</summary>
[Collection("Engine")]
public sealed class FaultTests
{
    sealed class Crashing : PipelineBuild
    {
        public Target Noop => _ => _.Executes(() => { });
        protected override void OnParametersBound() => throw new InvalidOperationException("the build definition is broken");
    }

    sealed class DependentOnAService : PipelineBuild
    {
        public bool ServiceDied { get; set; }
        public Target Scan => _ => _.Executes(() => throw new InvalidOperationException("skopeo copy failed (exit 1): unexpected EOF"));
        protected override string? ExplainFailure(string target, Exception error) =>
            ServiceDied ? $"the embedded registry (pid 4242) stopped during {target}; it is restarted on the next run" : null;
    }

    /// <summary>Ctrl-C arrives while Scan runs; the registry dies with it (the terminal's SIGINT reaches the whole process group).</summary>
    sealed class InterruptedWithAService(CancellationTokenSource interrupt) : PipelineBuild
    {
        public Target Scan => _ => _.Executes(async ct =>
        {
            await interrupt.CancelAsync();
            throw new InvalidOperationException("Deploy of revision 3 interrupted before the switch; revision 2 kept serving");
        });
        protected override string? ExplainFailure(string target, Exception error) =>
            $"the embedded registry (pid 4242) stopped during {target}; it is restarted on the next run";
    }

    sealed class Ranged : PipelineBuild
    {
        [Parameter("how many", Minimum = 1, Maximum = 10)] public int Count { get; set; }
        [Parameter("an existing file", MustExist = true)] public AbsolutePath? Input { get; set; }
        public Target Noop => _ => _.Executes(() => { });
    }

    [Fact]
    public void An_unexpected_fault_is_one_line_naming_where_its_stack_trace_was_kept()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Crashing(), root, "Noop");
        Assert.Equal(1, exit);
        Assert.Equal("error: the build definition is broken (InvalidOperationException, a fault in ClusterSnek itself; stack trace in "
            + "artifacts/logs/error.log; please report it with that file).", output.Trim());
        Assert.Contains("   at ", File.ReadAllText(root.Path / "artifacts" / "logs" / "error.log"));
    }

    [Fact]
    public void A_failure_the_build_explains_names_the_cause_instead_of_the_symptom()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new DependentOnAService { ServiceDied = true }, root, "Scan");
        Assert.Equal(1, exit);
        Assert.Contains("Build failed: Scan: the embedded registry (pid 4242) stopped during Scan; it is restarted on the next run", output);
        Assert.DoesNotContain("unexpected EOF", output);
        Assert.Contains("unexpected EOF", File.ReadAllText(root.Path / "artifacts" / "logs" / "pipeline.log"));
    }

    [Fact]
    public void A_failure_the_build_does_not_explain_keeps_its_own_reason()
    {
        using var root = new TempRoot();
        var (_, output) = Engine.Run(new DependentOnAService(), root, "Scan");
        Assert.Contains("Build failed: Scan: skopeo copy failed (exit 1): unexpected EOF", output);
    }

    [Fact]
    public void A_failure_during_Ctrl_C_keeps_its_own_reason_instead_of_a_dependency_that_died_with_the_interrupt()
    {
        using var root = new TempRoot();
        using var interrupt = new CancellationTokenSource();
        var console = new StringWriter();

        var exit = PipelineBuild.Execute(new InterruptedWithAService(interrupt), ["Scan"], TextWriter.Synchronized(console), _ => null, null, root.Path,
            interrupt.Token);

        Assert.Equal(130, exit);
        Assert.Contains("Deploy of revision 3 interrupted before the switch; revision 2 kept serving", console.ToString());
        Assert.DoesNotContain("stopped during Scan", console.ToString());
    }

    [Theory]
    [InlineData("0", "0 is out of range; allowed: 1 to 10")]
    [InlineData("11", "11 is out of range; allowed: 1 to 10")]
    [InlineData("-1", "-1 is out of range; allowed: 1 to 10")]
    [InlineData("ten", "'ten' is not a whole number (1 to 10)")]
    public void A_number_out_of_its_declared_range_is_refused_under_plan_naming_the_range_and_the_variable(string value, string expected)
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Ranged(), root, "Noop", "--plan", "--count", value);
        Assert.Equal(2, exit);
        Assert.Contains($"error: Parameter --count (option --count): {expected}", output);
        if (!value.StartsWith('t')) Assert.Contains("(set with --count or CLUSTERSNEK_COUNT).", output);
        Assert.False(File.Exists(root.Path / "artifacts" / "plan.html"));
    }

    [Fact]
    public void A_range_is_checked_for_a_value_from_the_environment_too_but_not_for_the_default()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Ranged(), root, new Dictionary<string, string> { ["CLUSTERSNEK_COUNT"] = "99" }, "Noop");
        Assert.Equal(2, exit);
        Assert.Contains("Parameter --count (environment variable CLUSTERSNEK_COUNT): 99 is out of range; allowed: 1 to 10", output);
        Assert.Equal(0, Engine.Run(new Ranged(), root, "Noop").ExitCode);
    }

    [Fact]
    public void A_path_that_must_exist_is_refused_when_missing()
    {
        using var root = new TempRoot();
        var missing = root.Path / "nope.txt";
        var (exit, output) = Engine.Run(new Ranged(), root, "Noop", "--input", missing);
        Assert.Equal(2, exit);
        Assert.Contains($"Parameter --input (option --input): '{missing}' does not exist; allowed: an existing file or folder (set with --input or CLUSTERSNEK_INPUT).", output);
        root.Write("nope.txt", "now it does");
        Assert.Equal(0, Engine.Run(new Ranged(), root, "Noop", "--input", missing).ExitCode);
    }

    [Fact]
    public void The_parameters_schema_carries_the_declared_range()
    {
        var schema = System.Text.Json.Nodes.JsonNode.Parse(SchemaWriter.Generate(typeof(Ranged), ["Noop"]))!;
        Assert.Equal(1, schema["properties"]!["Count"]!["minimum"]!.GetValue<int>());
        Assert.Equal(10, schema["properties"]!["Count"]!["maximum"]!.GetValue<int>());
    }
}
