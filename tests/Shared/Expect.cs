using System.Runtime.CompilerServices;

namespace ClusterSnek.Testing;

/// <summary>
/// Snapshot expectations: files in Expectations/ next to the test, compared exactly.
/// Set CLUSTERSNEK_UPDATE_EXPECTATIONS=1 to rewrite them on purpose, then review the diff.
/// </summary>
public static class Expect
{
    public static void MatchesFile(string actual, string name, [CallerFilePath] string caller = "")
    {
        var file = Path.Combine(Path.GetDirectoryName(caller)!, "Expectations", name);
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("CLUSTERSNEK_UPDATE_EXPECTATIONS") == "1" || !File.Exists(file) && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, actual);
        }
        Assert.True(File.Exists(file), $"Missing expectation {file}; run the tests once locally with CLUSTERSNEK_UPDATE_EXPECTATIONS=1.");
        Assert.Equal(File.ReadAllText(file), actual);
    }
}
