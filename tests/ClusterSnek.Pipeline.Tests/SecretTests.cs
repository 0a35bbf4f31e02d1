namespace ClusterSnek.Pipeline.Tests;

[Collection("Engine")]
public sealed class SecretTests
{
    sealed record Login(string? Used);

    static readonly Section<Login> LoginSection = new("login", "Login");

    sealed class Leaky : PipelineBuild
    {
        [Parameter("a password"), Secret] public string? RegistryPassword { get; set; }
        public Target Login => _ => _.Executes(() =>
        {
            Serilog.Log.Information("logging in with {Password}", RegistryPassword);
            Serilog.Log.Warning("raw text: password=" + RegistryPassword);
            Run.Set(LoginSection, new Login(RegistryPassword));
            throw new InvalidOperationException("registry refused " + RegistryPassword);
        });
    }

    [Fact]
    public void A_secret_parameter_never_appears_in_console_pipeline_json_or_log_file()
    {
        using var root = new TempRoot();
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var (exit, output) = Engine.Run(new Leaky(), root, "Login", "--registry-password", canary);
        Assert.Equal(1, exit);
        Assert.Contains("logging in with", output);
        Assert.Contains("***", output);
        var files = Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("pipeline.log", StringComparison.Ordinal));
        Assert.DoesNotContain(canary, output);
        foreach (var file in files) Assert.DoesNotContain(canary, File.ReadAllText(file));
    }

    [Fact]
    public void A_secret_in_parameters_json_is_refused_because_that_file_is_committed()
    {
        using var root = new TempRoot();
        root.Write(".nuke/parameters.json", """{ "RegistryPassword": "hunter2hunter2" }""");
        var (exit, output) = Engine.Run(new Leaky(), root, "Login");
        Assert.Equal(2, exit);
        Assert.Contains("'RegistryPassword' is a secret and must not be committed; set CLUSTERSNEK_REGISTRY_PASSWORD", output);
        Assert.DoesNotContain("hunter2hunter2", output);
    }
}
