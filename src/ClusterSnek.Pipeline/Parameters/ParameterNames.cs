using System.Text;

namespace ClusterSnek.Pipeline;

/// <summary>How a member name becomes a CLI flag, an environment variable and a lookup key.</summary>
public static class ParameterNames
{
    /// <summary>"RegistryPassword" → "registry-password".</summary>
    public static string ToKebab(string name)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>"RegistryPassword" → "CLUSTERSNEK_REGISTRY_PASSWORD".</summary>
    public static string ToEnvironment(string name) => "CLUSTERSNEK_" + ToKebab(name).Replace('-', '_').ToUpperInvariant();

    /// <summary>Case- and separator-insensitive key: "--Max-Parallel", "maxparallel", "MAX_PARALLEL" are one.</summary>
    public static string Key(string name) =>
        new string(name.TrimStart('-').Where(c => c is not ('-' or '_')).ToArray()).ToLowerInvariant();

    internal static string FromExpression(string expression) =>
        expression.Split("=>", 2) is [_, var body] ? body.Trim().TrimStart('!').Split('.')[^1] : expression;
}
