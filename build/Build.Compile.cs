using ClusterSnek.Pipeline;
using ClusterSnek.Tools;

partial class Build
{
    Target Restore => _ => _
        .Description("Restore NuGet packages (locked mode on CI)")
        .Inputs("**/*.csproj", "Directory.Packages.props", "Directory.Build.props", "**/packages.lock.json", "global.json")
        .Inputs(() => [Configuration.ToString()])
        .Executes(ct => new DotNet(DotNet.Resolve()).RestoreAsync(Solution, lockedMode: Environment.GetEnvironmentVariable("CI") == "true", ct));

    Target Compile => _ => _
        .Description("Compile the solution")
        .DependsOn(Restore)
        .Inputs("src/**/*.cs", "src/**/*.csproj", "src/**/*.props", "src/**/packages.lock.json", "src/**/appsettings.json", "build/**/*.cs", "build/*.csproj",
            "tests/**/*.cs", "tests/**/*.csproj", "tests/*.props", "Directory.Build.props", "Directory.Packages.props", "global.json", "ClusterSnek.sln")
        .Inputs(() => [Configuration.ToString()])
        .Executes(ct => new DotNet(DotNet.Resolve()).BuildAsync(Solution, Configuration.ToString(), ct));

    Target Clean => _ => _
        .Description("Delete artifacts/, the target cache and every bin/ and obj/ (installed tools are kept)")
        .Executes(() => Workspace.Clean(RootDirectory));
}
