namespace ClusterSnek.Policies.Tests;

/// <summary>Bad --values / --manifests stop the run before any target (the engine turns a requirement's problem into exit 2).</summary>
public sealed class PolicyInputsTests
{
    [Fact]
    public void A_malformed_values_file_is_refused_with_its_line()
    {
        var file = Path.Combine(Repo.TempDirectory(), "bad.yaml");
        File.WriteAllText(file, "global: [\n");
        Assert.StartsWith($"values file {file}:2:1: not valid YAML", new PolicyInputs(() => [file], () => null).Check());
    }

    [Fact]
    public void A_manifests_path_that_does_not_exist_is_refused()
    {
        Assert.Equal("--manifests /nonexistent/k8s: no such file or folder. Give a Kubernetes YAML file or a folder of them.",
            new PolicyInputs(() => [], () => "/nonexistent/k8s").Check());
    }

    [Fact]
    public void Valid_inputs_pass()
    {
        Assert.Null(new PolicyInputs(() => [Repo.Root / "charts" / "clustersnek" / "values-prod.yaml"], () => Repo.Root / "policies" / "tests").Check());
    }
}
