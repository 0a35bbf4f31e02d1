using ClusterSnek.Pipeline;

namespace ClusterSnek.Build.Tests;

/// <summary>The Deploy/Verify/Rollback/Down declarations of the real build definition, run in-process.</summary>
[Collection("Engine")]
public sealed class DeployDefinitionTests
{
    static (int Exit, string Output) Run(params string[] args)
    {
        var console = new StringWriter();
        var exit = PipelineBuild.Execute(new global::Build(), args, TextWriter.Synchronized(console), _ => null, null, PipelineBuild.RootDirectory);
        return (exit, console.ToString());
    }

    [Fact]
    public void Deploy_runs_the_whole_chain_with_signatures_verified_before_it_and_triggers_Verify_after_it()
    {
        var (exit, output) = Run("Deploy", "--plan");

        Assert.Equal(0, exit);
        Assert.Matches(@"1\. PackageCharts  \|\|  Restore\s+2\. BuildImages\s+3\. PolicyTest  \|\|  Scan  \|\|  Sbom\s+4\. Promote\s+5\. Sign\s+6\. VerifySignatures\s+7\. Deploy\s+8\. Verify", output);
    }

    [Fact]
    public void Deploy_builds_what_it_ships_and_not_the_test_projects()
    {
        var (exit, output) = Run("Deploy", "--plan");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("Compile", output);
    }

    [Fact]
    public void BuildImages_runs_after_Compile_when_both_are_in_the_run()
    {
        var (exit, output) = Run("Test", "BuildImages", "--plan");

        Assert.Equal(0, exit);
        Assert.Matches(@"Compile[\s\S]*BuildImages", output);
    }

    [Fact]
    public void A_kube_context_that_does_not_exist_is_refused_before_anything_runs()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n  - name: kind-ci\n    context: {cluster: kind-ci, user: kind-ci}\n");
        var previous = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", kubeconfig);
        try
        {
            var (exit, output) = Run("Deploy", "--kube-context", "prod-east");

            Assert.Equal(2, exit);
            Assert.Contains($"--kube-context prod-east: no such context in {kubeconfig}; defined: kind-ci.", output);
            Assert.DoesNotContain("▶ Deploy", output);
        }
        finally { Environment.SetEnvironmentVariable("KUBECONFIG", previous); }
    }
}
