using System.Runtime.CompilerServices;

namespace ClusterSnek.Build.Tests;

/// <summary>
/// Bad input fed to the real build entry: malformed clustersnek.yaml (every kind of YAML fault the parser raises, wrong types,
/// out-of-range numbers), malformed values files and bad parameters. Each answers with its exit code and exactly one line naming
/// the file:line:column or the parameter; never a stack trace, never the runtime's abort (134). The inputs are in Corpus/, each
/// with its expected output next to it (&lt;name&gt;.expected; CLUSTERSNEK_UPDATE_EXPECTATIONS=1 rewrites them, review the diff).
/// </summary>
public sealed class FaultCorpusTests
{
    static readonly string Corpus = Path.Combine(SourceDirectory(), "Corpus");

    public static TheoryData<string> Manifests() => Names("Manifests", ".yaml");
    public static TheoryData<string> ValuesFiles() => Names("Values", ".yaml");
    public static TheoryData<string> Parameters() => Names("Parameters", ".args");

    [Theory, MemberData(nameof(Manifests))]
    public void A_malformed_manifest_is_one_line_naming_its_file_line_and_column(string name)
    {
        using var root = new ThrowawayRoot(File.ReadAllText(Path.Combine(Corpus, "Manifests", name + ".yaml")));
        var (exit, output) = root.Run(["Compile"]);
        AssertOneLine(exit, output, Path.Combine(Corpus, "Manifests", name + ".expected"));
        Assert.Matches(@"^error: <root>/clustersnek\.yaml(:\d+:\d+)?: ", output);
    }

    [Theory, MemberData(nameof(Manifests))]
    public void A_malformed_manifest_is_refused_under_plan_too(string name)
    {
        using var root = new ThrowawayRoot(File.ReadAllText(Path.Combine(Corpus, "Manifests", name + ".yaml")));
        var (exit, output) = root.Run(["Compile", "--plan"]);
        AssertOneLine(exit, output, Path.Combine(Corpus, "Manifests", name + ".expected"));
    }

    [Theory, MemberData(nameof(ValuesFiles))]
    public void A_malformed_values_file_is_one_line_naming_its_file_and_line(string name)
    {
        using var root = new ThrowawayRoot();
        var (exit, output) = root.Run(["PolicyTest", "--skip", "--values", Path.Combine(Corpus, "Values", name + ".yaml")]);
        AssertOneLine(exit, output.Replace(Corpus, "<corpus>", StringComparison.Ordinal), Path.Combine(Corpus, "Values", name + ".expected"));
    }

    [Theory, MemberData(nameof(Parameters))]
    public void A_bad_parameter_is_one_line_naming_the_parameter_the_value_and_what_is_allowed(string name)
    {
        using var root = new ThrowawayRoot();
        var args = File.ReadAllText(Path.Combine(Corpus, "Parameters", name + ".args")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (exit, output) = root.Run(args);
        AssertOneLine(exit, output, Path.Combine(Corpus, "Parameters", name + ".expected"));
        Assert.DoesNotContain("secret-password", output);
    }

    static void AssertOneLine(int exit, string output, string expectedFile)
    {
        var actual = $"exit {exit}\n{output.Replace("\r\n", "\n")}";
        if (Environment.GetEnvironmentVariable("CLUSTERSNEK_UPDATE_EXPECTATIONS") == "1" || !File.Exists(expectedFile) && Environment.GetEnvironmentVariable("CI") != "true")
            File.WriteAllText(expectedFile, actual);
        Assert.NotEqual(134, exit);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", output);
        Assert.Equal(File.ReadAllText(expectedFile), actual);
    }

    static TheoryData<string> Names(string folder, string extension) =>
        new(Directory.EnumerateFiles(Path.Combine(Corpus, folder), "*" + extension).Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal));

    static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
