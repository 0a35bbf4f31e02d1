namespace ClusterSnek.Pipeline.Tests;

/// <summary>Input globs, as the cache hashes them: which files, and in which order.</summary>
public sealed class GlobTests : IDisposable
{
    readonly TempRoot root = new();

    public GlobTests()
    {
        foreach (var file in new[]
                 {
                     "build/_build.csproj", "src/A/A.csproj", "src/A/deep/er/B.csproj", "src/A/bin/Debug/A.csproj", "src/A/obj/x.csproj",
                     "node_modules/m/m.csproj", ".nuke/tools/t.csproj", ".github/g.csproj", "artifacts/podman/root/x.csproj", "charts/c/.helmignore", "charts/c/values.yaml", "src/Z.txt", "src/a.txt",
                     "src/B.TXT", ".git/config",
                 })
            root.Write(file, file);
    }

    public void Dispose() => root.Dispose();

    IReadOnlyList<string> Files(params string[] globs) => Glob.Files(root.Path, globs);

    [Fact]
    public void Double_star_reaches_any_depth_and_dot_folders_but_never_build_output_vcs_folders_or_what_runs_leave() =>
        Assert.Equal([".github/g.csproj", "build/_build.csproj", "src/A/A.csproj", "src/A/deep/er/B.csproj"], Files("**/*.csproj"));

    [Fact]
    public void A_glob_that_names_a_run_output_folder_still_reaches_into_it() =>
        Assert.Equal(["artifacts/podman/root/x.csproj"], Files("artifacts/**/*.csproj"));

    [Fact]
    public void Results_are_relative_with_slashes_sorted_ordinally_and_once_each() =>
        Assert.Equal(["src/B.TXT", "src/Z.txt", "src/a.txt"], Files("src/*.txt", "src/*.TXT", "src\\a.txt"));

    [Fact]
    public void Matching_is_case_sensitive() => Assert.Equal(["src/Z.txt", "src/a.txt"], Files("src/*.txt"));

    [Fact]
    public void A_folder_named_outright_means_every_file_under_it() =>
        Assert.Equal(["charts/c/.helmignore", "charts/c/values.yaml"], Files("charts"));

    [Fact]
    public void A_trailing_double_star_means_every_file_under_the_folder() =>
        Assert.Equal(["charts/c/.helmignore", "charts/c/values.yaml"], Files("charts/**"));

    [Fact]
    public void A_file_named_outright_is_taken_even_inside_an_ignored_folder() =>
        Assert.Equal(["src/A/bin/Debug/A.csproj"], Files("src/A/bin/Debug/A.csproj"));

    [Fact]
    public void Globs_that_match_nothing_give_nothing() => Assert.Empty(Files("missing/**/*.cs", "nope.txt"));

    [Fact]
    public void A_question_mark_is_refused_instead_of_matching_nothing()
    {
        var e = Assert.Throws<ArgumentException>(() => Files("src/?.txt"));
        Assert.StartsWith("Input glob 'src/?.txt': '?' is not supported", e.Message, StringComparison.Ordinal);
    }
}
