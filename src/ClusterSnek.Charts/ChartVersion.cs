using System.Text.RegularExpressions;

namespace ClusterSnek.Charts;

/// <summary>The packaged chart's version: Chart.yaml's SemVer plus git build metadata (0.1.0+g1a2b3c4), so every commit's package is traceable.</summary>
public static partial class ChartVersion
{
    public static string WithBuildMetadata(string chartVersion, string? commit, bool dirty = false)
    {
        if (!SemVer().IsMatch(chartVersion))
            throw new ChartInputException($"Chart.yaml version '{chartVersion}' is not SemVer (MAJOR.MINOR.PATCH); helm package needs one.");
        var core = chartVersion.Split('+')[0];
        if (string.IsNullOrEmpty(commit)) return core + "+nogit";
        var shortSha = commit.Length > 7 ? commit[..7] : commit;
        return $"{core}+g{shortSha}{(dirty ? ".dirty" : "")}";
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();
}
