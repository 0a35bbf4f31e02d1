using ClusterSnek.Charts;
using ClusterSnek.Pipeline;

namespace ClusterSnek.Policies;

/// <summary>Checks --values files and --manifests before anything runs, so bad input stops the run with exit 2 and no side effects.</summary>
public sealed class PolicyInputs(Func<IReadOnlyList<string>> values, Func<string?> manifests) : IRequirement
{
    public string Name => "valid --values and --manifests";

    public string? Check()
    {
        try
        {
            foreach (var file in values()) ValuesFile.Check(file);
            if (manifests() is { } path && !File.Exists(path) && !Directory.Exists(path))
                return $"--manifests {path}: no such file or folder. Give a Kubernetes YAML file or a folder of them.";
            return null;
        }
        catch (ChartInputException e) { return e.Message; }
    }
}
