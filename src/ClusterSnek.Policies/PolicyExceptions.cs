using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Policies;

/// <summary>A reviewed exception: this policy does not fail this resource until the expiry date, for the stated reason.</summary>
public sealed record PolicyException(string Policy, string Resource, string Reason, DateOnly Expires, int Line)
{
    /// <summary>Resource is Kind/namespace/name; '*' matches any run of characters (e.g. Deployment/*/backend).</summary>
    public bool Matches(string policy, string resource) =>
        Policy == policy && Regex.IsMatch(resource, "^" + Regex.Escape(Resource).Replace("\\*", ".*") + "$");
}

/// <summary>policies/policy-exceptions.yaml: separate from the Supply stage's vulnerability exceptions (policies/exceptions.yaml).</summary>
public static class PolicyExceptionsFile
{
    public const string DefaultPath = "policies/policy-exceptions.yaml";

    /// <summary>Reads and validates every entry; a malformed or expired entry throws with its line number.</summary>
    public static IReadOnlyList<PolicyException> Load(string path, DateOnly today)
    {
        if (!File.Exists(path)) return [];
        YamlStream stream;
        try { using var reader = new StreamReader(path); stream = ClusterSnek.Stack.YamlText.Load(reader); }
        catch (ClusterSnek.Stack.YamlSyntaxException e) { throw new PolicyInputException($"{path}:{e.Line}: not valid YAML ({e.Reason}). Fix the syntax there."); }
        if (stream.Documents.Count == 0) return [];
        if (stream.Documents[0].RootNode is not YamlMappingNode root || !root.Children.TryGetValue(new YamlScalarNode("exceptions"), out var node))
            throw new PolicyInputException($"{path}:1: expected a top-level 'exceptions:' list.");
        if (node is YamlScalarNode { Value: null or "" or "[]" }) return [];
        if (node is not YamlSequenceNode list) throw new PolicyInputException($"{path}:{node.Start.Line}: 'exceptions' must be a list.");

        var result = new List<PolicyException>();
        foreach (var item in list)
        {
            var line = (int)item.Start.Line;
            if (item is not YamlMappingNode entry) throw new PolicyInputException($"{path}:{line}: each exception is a mapping with policy, resource, reason, expires.");
            foreach (var key in entry.Children.Keys.OfType<YamlScalarNode>())
                if (key.Value is not ("policy" or "resource" or "reason" or "expires"))
                    throw new PolicyInputException($"{path}:{key.Start.Line}: unknown field '{key.Value}'; an exception has policy, resource, reason, expires.");
            string Required(string name) => entry.Children.TryGetValue(new YamlScalarNode(name), out var v) && v is YamlScalarNode { Value: { Length: > 0 } s } && s.Trim().Length > 0
                ? s.Trim() : throw new PolicyInputException($"{path}:{line}: exception is missing '{name}' (policy, resource, reason and expires are all required).");
            var policy = Required("policy");
            if (!Regex.IsMatch(policy, "^(CSK|KSV|KCV)[0-9]{3,4}$"))
                throw new PolicyInputException($"{path}:{line}: policy '{policy}' is not a policy id (CSK001, KSV014...).");
            var resource = Required("resource");
            if (resource.Split('/').Length != 3) throw new PolicyInputException($"{path}:{line}: resource '{resource}' must be Kind/namespace/name ('*' allowed).");
            var reason = Required("reason");
            var expiresText = Required("expires");
            if (!DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
                throw new PolicyInputException($"{path}:{line}: expires '{expiresText}' is not a date (yyyy-MM-dd).");
            if (expires < today)
                throw new PolicyInputException($"{path}:{line}: exception for {policy} on {resource} expired on {expires:yyyy-MM-dd}. Fix the violation, or review the exception and set a new expiry date.");
            result.Add(new PolicyException(policy, resource, reason, expires, line));
        }
        return result;
    }
}
