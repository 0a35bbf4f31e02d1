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
        Assert.Matches(@"1\. PackageCharts  \|\|  Restore\s+2\. Compile\s+3\. BuildImages\s+4\. PolicyTest  \|\|  Scan  \|\|  Sbom\s+5\. Sign\s+6\. VerifySignatures\s+7\. Deploy\s+8\. Verify", output);
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
