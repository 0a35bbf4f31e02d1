using System.Diagnostics;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Build.Tests;

/// <summary>The real build definition, run in-process (help, plan, errors) and through ./build.sh as a user runs it.</summary>
[Collection("Engine")]
public sealed class BuildDefinitionTests
{
    static readonly AbsolutePath Root = PipelineBuild.RootDirectory;

    static (int Exit, string Output) Run(params string[] args)
    {
        var console = new StringWriter();
        var exit = PipelineBuild.Execute(new global::Build(), args, TextWriter.Synchronized(console), _ => null, null, Root);
        return (exit, console.ToString());
    }

    [Fact]
    public void The_committed_parameters_schema_matches_the_build_class()
    {
        var names = typeof(global::Build).GetProperties(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
            .Where(p => p.PropertyType == typeof(Target)).Select(p => p.Name);
        var generated = SchemaWriter.Generate(typeof(global::Build), names);
        var committed = File.ReadAllText(Root / ".nuke" / "build.schema.json");
        Assert.True(generated == committed, ".nuke/build.schema.json is stale: run ./build.sh Compile (any run rewrites it) and commit the file.");
    }

    [Fact]
    public void Help_lists_the_core_targets_and_the_environment_parameter()
    {
        var (exit, output) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var target in new[] { "Restore", "Compile", "Test", "Clean" }) Assert.Contains($"  {target} ", output);
        Assert.Contains("--env ", output);
    }

    [Fact]
    public void Plan_for_Test_orders_Restore_then_Compile_then_Test()
    {
        var (exit, output) = Run("Test", "--plan");
        Assert.Equal(0, exit);
        Assert.Matches(@"1\. Restore\s+2\. Compile\s+3\. Test", output);
    }

    [Fact]
    public void An_environment_missing_from_the_manifest_is_refused_naming_the_defined_ones()
    {
        var (exit, output) = Run("Compile", "--env", "qa");
        Assert.Equal(2, exit);
        Assert.Contains("clustersnek.yaml: no environment named 'qa'; defined: dev, staging, prod.", output);
    }

    [Fact]
    public void Build_sh_refuses_an_unknown_target_with_exit_code_2_and_names_it()
    {
        var (exit, output) = Shell("NoSuchTarget");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown target 'NoSuchTarget'", output);
    }

    [Fact]
    public void Build_sh_refuses_a_bad_parameter_value_naming_parameter_value_and_allowed_ones()
    {
        var (exit, output) = Shell("Compile", "--configuration", "Fast");
        Assert.Equal(2, exit);
        Assert.Contains("Parameter --configuration (option --configuration): 'Fast' is not allowed; allowed: Debug, Release.", output);
    }

    [Fact]
    public void The_Scan_cache_key_holds_the_repository_the_scanner_its_database_and_the_exception_expiry()
    {
        var scan = new TargetDefinition();
        ((Target)typeof(global::Build).GetProperty("Scan", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .GetValue(new global::Build())!)(scan);

        var declared = string.Join("\n", scan.InputValues.Select(v => v.Text));

        foreach (var input in new[] { "ReleaseDigests()", "ExceptionsText()", "ScanInputs.RepositoryDigest(RootDirectory)", "ScanInputs.Scanner(",
                     "ScanInputs.VulnerabilityDatabase(TrivyCache)", "ScanInputs.NearestExceptionExpiry(" })
            Assert.Contains(input, declared);
        // The repository value is computed from the work tree itself, and the engine re-reads it on every run.
        var repository = scan.InputValues.Single(v => v.Text.Contains("RepositoryDigest", StringComparison.Ordinal));
        Assert.Equal(ClusterSnek.Supply.Scanning.ScanInputs.RepositoryDigest(Root), Assert.Single(repository.Values()));
    }

    static (int Exit, string Output) Shell(params string[] args)
    {
        var info = new ProcessStartInfo(Root / "build.sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
