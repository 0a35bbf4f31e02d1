using ClusterSnek.Pipeline;
using ClusterSnek.Stack;
using ClusterSnek.Tools;

// The chain at a glance (docs/architecture.md has the whole picture):
//   Restore → Compile → Test
//   Clean: standalone
partial class Build : PipelineBuild
{
    public static int Main(string[] args) => Execute<Build>(args, x => x.Compile);

    [Parameter("Build configuration")]
    public Configuration Configuration { get; set; } = Environment.GetEnvironmentVariable("CI") == "true" ? Configuration.Release : Configuration.Debug;

    [Parameter("Target environment, one of clustersnek.yaml's environments")]
    public string Env { get; set; } = "dev";

    [Parameter("helm binary to use instead of the pinned one (must be the pinned major.minor)", MustExist = true)]
    public AbsolutePath? HelmPath { get; set; }

    [Parameter("kubectl binary to use instead of the pinned one (must be the pinned major.minor)", MustExist = true)]
    public AbsolutePath? KubectlPath { get; set; }

    [Parameter("trivy binary to use instead of the pinned one", MustExist = true)]
    public AbsolutePath? TrivyPath { get; set; }

    static AbsolutePath Solution => RootDirectory / "ClusterSnek.sln";

    StackManifest? manifest;

    /// <summary>clustersnek.yaml, read and validated once per run.</summary>
    StackManifest Manifest => manifest ??= ManifestReader.Load(RootDirectory / StackManifest.FileName);

    Toolchain? toolchain;

    Toolchain Toolchain => toolchain ??= Toolchain.ForRoot(RootDirectory, new Dictionary<string, string?>
    {
        ["helm"] = HelmPath?.Value, ["kubectl"] = KubectlPath?.Value, ["trivy"] = TrivyPath?.Value,
    });

    /// <summary>clustersnek.yaml reads and names --env, under --plan too (a ManifestException is a usage error, exit 2).</summary>
    protected override void OnParametersBound()
    {
        Manifest.Environment(Env);
        if (Cache is { Length: > 0 } || Manifest.Cache.Repository is not null) SharedCacheRepository(); // a wrong --cache is refused before anything runs
        if (ClusterSnek.Kube.LocalEntryPoint.InvalidAddress(ListenAddress) is { } invalid) throw new UsageException(invalid);
    }
}

/// <summary>The build configuration passed to dotnet.</summary>
public enum Configuration { Debug, Release }
