namespace ClusterSnek.Pipeline.Tests;

public enum Stage { Dev, Staging, Prod }

[Collection("Engine")]
public sealed class ParameterTests
{
    sealed class Typed : PipelineBuild
    {
        [Parameter("environment")] public Stage Stage { get; set; } = Stage.Dev;
        [Parameter("a count")] public int Replicas { get; set; } = 1;
        [Parameter("a name")] public string Region { get; set; } = "default";
        [Parameter("names")] public string[]? Services { get; set; }
        [Parameter("a path")] public AbsolutePath? Output { get; set; }
        [Parameter("a switch")] public bool Fast { get; set; }
        public Target Noop => _ => _.Executes(() => { });
    }

    [Fact]
    public void Parameters_bind_kebab_or_pascal_case_insensitively_with_their_types()
    {
        using var root = new TempRoot();
        var build = new Typed();
        var (exit, _) = Engine.Run(build, root, "Noop", "--STAGE", "prod", "--Replicas", "3", "--services", "a", "b", "--output", "/tmp/x", "--fast");
        Assert.Equal(0, exit);
        Assert.Equal(Stage.Prod, build.Stage);
        Assert.Equal(3, build.Replicas);
        Assert.Equal(["a", "b"], build.Services!);
        Assert.Equal("/tmp/x", build.Output!.Value);
        Assert.True(build.Fast);
    }

    [Fact]
    public void The_command_line_wins_over_the_environment_which_wins_over_parameters_json()
    {
        using var root = new TempRoot();
        root.Write(".nuke/parameters.json", """{ "Region": "from-file", "Replicas": 7, "Stage": "Staging" }""");
        var env = new Dictionary<string, string> { ["CLUSTERSNEK_REGION"] = "from-env", ["CLUSTERSNEK_REPLICAS"] = "5" };
        var build = new Typed();
        Engine.Run(build, root, env, "Noop", "--region", "from-cli");
        Assert.Equal("from-cli", build.Region);
        Assert.Equal(5, build.Replicas);
        Assert.Equal(Stage.Staging, build.Stage);
        Assert.Equal(ParameterSource.CommandLine, build.ParameterSources["Region"]);
        Assert.Equal(ParameterSource.Environment, build.ParameterSources["Replicas"]);
        Assert.Equal(ParameterSource.ParametersFile, build.ParameterSources["Stage"]);
    }

    [Fact]
    public void A_bad_enum_value_names_the_parameter_the_value_and_the_allowed_ones()
    {
        using var root = new TempRoot();
        var build = new Typed();
        var (exit, output) = Engine.Run(build, root, "Noop", "--stage", "qa");
        Assert.Equal(2, exit);
        Assert.Contains("Parameter --stage (option --stage): 'qa' is not allowed; allowed: Dev, Staging, Prod.", output);
    }

    [Fact]
    public void A_bad_integer_from_the_environment_names_the_variable()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Typed(), root, new Dictionary<string, string> { ["CLUSTERSNEK_REPLICAS"] = "many" }, "Noop");
        Assert.Equal(2, exit);
        Assert.Contains("Parameter --replicas (environment variable CLUSTERSNEK_REPLICAS): 'many' is not an integer.", output);
    }

    [Fact]
    public void An_unknown_option_is_refused_with_a_suggestion()
    {
        using var root = new TempRoot();
        var (exit, output) = Engine.Run(new Typed(), root, "Noop", "--replica", "2");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown option --replica. Did you mean --replicas?", output);
    }

    [Fact]
    public void Malformed_parameters_json_is_named_with_its_line()
    {
        using var root = new TempRoot();
        root.Write(".nuke/parameters.json", "{\n  \"Region\": \"x\"\n  \"Replicas\": 2\n}");
        var (exit, output) = Engine.Run(new Typed(), root, "Noop");
        Assert.Equal(2, exit);
        Assert.Contains("parameters.json: line 3: not valid JSON", output);
    }
}
