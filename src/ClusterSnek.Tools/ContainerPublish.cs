namespace ClusterSnek.Tools;

/// <summary>Settings of <c>dotnet publish -t:PublishContainer</c> (the SDK's daemonless image build).</summary>
public sealed record ContainerPublishSettings(string Project, string BaseImage, string Repository, string Tag, string ArchiveOutputPath, string PublishDirectory)
{
    public string Configuration { get; init; } = "Release";
    public string RuntimeIdentifier { get; init; } = "linux-x64";
    public string? User { get; init; }
    public string? SourceRevision { get; init; }
    public string? RepositoryUrl { get; init; }
    /// <summary>Registries (host:port) the SDK may reach over plain HTTP, e.g. the embedded one for the base image.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    /// <summary>The checkout's root, mapped to /_/ in compiler output (PathMap), so the folder a build ran in leaves no trace.</summary>
    public string? SourceRoot { get; init; }
}

/// <summary>Builds a .NET project into an OCI image archive with the SDK's container support (no Docker daemon).</summary>
public sealed class ContainerPublish(ResolvedTool dotnet) : ToolWrapper(dotnet)
{
    public Task<ToolResult> PublishAsync(ContainerPublishSettings s, CancellationToken cancellation = default)
    {
        var args = new List<string>
        {
            "publish", s.Project, "--nologo", "-v", "q", "-c", s.Configuration, "-r", s.RuntimeIdentifier, "--self-contained", "-o", s.PublishDirectory,
            "-t:PublishContainer", $"-p:ContainerBaseImage={s.BaseImage}", $"-p:ContainerRepository={s.Repository}",
            $"-p:ContainerImageTag={s.Tag}", $"-p:ContainerArchiveOutputPath={s.ArchiveOutputPath}",
        };
        if (s.User is not null) args.Add($"-p:ContainerUser={s.User}");
        // Same source → same bytes: deterministic compiler output, CI-style paths (/_/ instead of the checkout folder).
        args.AddRange(["-p:Deterministic=true", "-p:ContinuousIntegrationBuild=true"]);
        if (s.SourceRoot is not null) args.Add($"-p:PathMap={s.SourceRoot.TrimEnd('/')}/=/_/");
        if (s.SourceRevision is not null) args.Add($"-p:SourceRevisionId={s.SourceRevision}");
        // PublishRepositoryUrl makes the SDK write the source/revision labels itself; without it the base image's labels show through.
        if (s.RepositoryUrl is not null) args.AddRange([$"-p:PrivateRepositoryUrl={s.RepositoryUrl}", $"-p:RepositoryUrl={s.RepositoryUrl}", "-p:PublishRepositoryUrl=true"]);
        var env = new Dictionary<string, string?>(s.Environment) { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        if (s.InsecureRegistries.Count > 0) env["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = string.Join(',', s.InsecureRegistries);
        return RunAsync(args, new ToolCallOptions { Environment = env }, cancellation);
    }
}
