namespace ClusterSnek.Reports.Workflows;

/// <summary>
/// Declares a GitHub Actions workflow generated from the build (.github/workflows/&lt;Name&gt;.yml) by `./build.sh GenerateWorkflows`.
/// The workflow runs the same `./build.sh` command line a laptop does.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class GitHubWorkflowAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Run on pull requests (any base branch).</summary>
    public bool OnPullRequest { get; init; }

    /// <summary>Run on pushes to these branches.</summary>
    public string[] OnPushBranches { get; init; } = [];

    /// <summary>Also offer a manual "Run workflow" button.</summary>
    public bool OnWorkflowDispatch { get; init; }

    /// <summary>The targets to run, in order, as on the command line.</summary>
    public string[] InvokedTargets { get; init; } = [];

    /// <summary>Extra `./build.sh` arguments, e.g. ["--kube-context", "kind-clustersnek"].</summary>
    public string[] Arguments { get; init; } = [];

    public string RunsOn { get; init; } = "ubuntu-24.04";
    public int TimeoutMinutes { get; init; } = 60;

    /// <summary>Create a kind cluster (helm/kind-action) named <see cref="KindClusterName"/> before the build.</summary>
    public bool KindCluster { get; init; }
    public string KindClusterName { get; init; } = "clustersnek";

    /// <summary>Sign keyless with cosign through GitHub's OIDC token: installs cosign and grants id-token: write.</summary>
    public bool KeylessSigning { get; init; }

    /// <summary>
    /// Share the pipeline's cache through the repository's GitHub Packages (<see cref="SharedCacheRepository"/>): grants packages: write,
    /// logs in to ghcr.io with the job's token, and passes --cache; a fork's pull request (read-only token) reads and never writes.
    /// </summary>
    public bool SharedCache { get; init; }

    public string SharedCacheRepository { get; init; } = "ghcr.io/${{ github.repository }}/cache";

    /// <summary>The run creates a GitHub Deployment (grants deployments: write).</summary>
    public bool Deploys { get; init; }

    /// <summary>
    /// Split the invoked targets into one job per target along the target graph (needs: = dependencies), handing
    /// artifacts/ and the target cache between jobs; <see cref="MatrixTargets"/> run once per service.
    /// </summary>
    public bool SplitJobs { get; init; }

    /// <summary>With <see cref="SplitJobs"/>: targets run as a matrix over the manifest's services.</summary>
    public string[] MatrixTargets { get; init; } = [];

    /// <summary>The parameter a matrix leg passes its service with.</summary>
    public string MatrixParameter { get; init; } = "--services";

    /// <summary>Files uploaded as the workflow's artifact, always (also after a failure).</summary>
    public string[] ArtifactPaths { get; init; } = ["artifacts/report.html", "artifacts/report.md", "artifacts/pipeline.json", "artifacts/audit.jsonl", "artifacts/audit.head.json", "artifacts/logs/"];
}
