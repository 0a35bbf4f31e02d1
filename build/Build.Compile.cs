using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

partial class Build
{
    static readonly string[] SourceInputs = ["src/**", "build/**", "tests/**", "Directory.Build.props", "Directory.Packages.props", "global.json", "ClusterSnek.sln"];

    /// <summary>Every project of the repository (build/, src/, tests/), relative to the root.</summary>
    static IEnumerable<string> Projects() => Glob.Files(RootDirectory, ["build/*.csproj", "src/**/*.csproj", "tests/**/*.csproj"]);

    Target Restore => _ => _
        .Description("Restore NuGet packages (locked mode on CI)")
        .Inputs("**/*.csproj", "Directory.Packages.props", "Directory.Build.props", "**/packages.lock.json", "global.json")
        .Outputs(() => Projects().Select(p => Path.Combine(Path.GetDirectoryName(p)!, "obj", "project.assets.json")))
        .Executes(ct => new DotNet(DotNet.Resolve()).RestoreAsync(Solution, lockedMode: Environment.GetEnvironmentVariable("CI") == "true", ct));

    Target Compile => _ => _
        .Description("Compile the solution")
        .DependsOn(Restore)
        .Inputs(SourceInputs)
        .Inputs(() => [Configuration.ToString()])
        .Outputs(() => Projects().Select(p => Path.Combine(Path.GetDirectoryName(p)!, "bin", Configuration.ToString())))
        .Executes(ct => new DotNet(DotNet.Resolve()).BuildAsync(Solution, Configuration.ToString(), ct));

    Target Clean => _ => _
        .Description("Delete artifacts/, the target cache and every bin/ and obj/ (installed tools are kept)")
        .Executes(() => Workspace.Clean(RootDirectory));
}
