using System.Text.RegularExpressions;

namespace ClusterSnek.Policies;

/// <summary>One of the project's Rego policies, read from its <c>__rego_metadata__</c>.</summary>
public sealed record PolicyInfo(string Id, string Title, string Severity, string Fix, string File, bool Combined);

/// <summary>The project's policies: every .rego under policies/rego/kubernetes, with the metadata the report needs.</summary>
public sealed class PolicyCatalog(string regoDirectory, IReadOnlyList<PolicyInfo> policies)
{
    /// <summary>The folder passed to trivy's --config-policy (policies plus the shared lib).</summary>
    public string RegoDirectory { get; } = regoDirectory;
    public IReadOnlyList<PolicyInfo> Policies { get; } = policies;

    public PolicyInfo? Find(string id) => Policies.FirstOrDefault(p => p.Id == id);

    public static PolicyCatalog Load(string policiesDirectory)
    {
        var rego = Path.Combine(policiesDirectory, "rego");
        var folder = Path.Combine(rego, "kubernetes");
        if (!Directory.Exists(folder))
            throw new PolicyInputException($"{folder}: no such folder. The project's Rego policies live in policies/rego/kubernetes (clustersnek.yaml policies.directory).");
        var list = new List<PolicyInfo>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.rego").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            string Field(string name) => MetadataField(name).Match(text) is { Success: true } m ? m.Groups["v"].Value
                : throw new PolicyInputException($"{file}: __rego_metadata__ has no \"{name}\"; every policy needs id, title, severity and recommended_actions.");
            if (!text.Contains("package user.", StringComparison.Ordinal))
                throw new PolicyInputException($"{file}: package must start with 'user.' (trivy runs only the namespaces passed to --policy-namespaces).");
            var info = new PolicyInfo(Field("id"), Field("title"), Field("severity"), Field("recommended_actions"), file,
                text.Contains("\"combine\": true", StringComparison.Ordinal));
            if (list.Any(p => p.Id == info.Id)) throw new PolicyInputException($"{file}: policy id {info.Id} is used twice.");
            list.Add(info);
        }
        if (list.Count == 0) throw new PolicyInputException($"{folder}: no .rego policies found.");
        return new PolicyCatalog(rego, list);
    }

    static Regex MetadataField(string name) => new($"\"{Regex.Escape(name)}\"\\s*:\\s*\"(?<v>[^\"]*)\"");
}

/// <summary>Bad policy input (policy file, exceptions file, manifests); the message names the file, line and fix.</summary>
public sealed class PolicyInputException(string message) : Exception(message);
