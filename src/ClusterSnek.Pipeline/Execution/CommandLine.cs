namespace ClusterSnek.Pipeline;

/// <summary>The command line split into target names and option values (keys normalised).</summary>
internal sealed record CommandLine(IReadOnlyList<string> Targets, IReadOnlyDictionary<string, List<string>> Options)
{
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<ParameterDescriptor> parameters)
    {
        var byKey = parameters.ToDictionary(p => ParameterNames.Key(p.Name));
        var targets = new List<string>();
        var options = new Dictionary<string, List<string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "-?") arg = "--help";
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                targets.Add(arg);
                continue;
            }
            var name = arg[2..];
            string? inline = null;
            if (name.IndexOf('=') is var eq and > 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            var key = ParameterNames.Key(name);
            if (options.ContainsKey(key)) throw new UsageException($"Option --{name} is given twice.");
            var values = options[key] = [];
            if (inline is not null) { values.Add(inline); continue; }
            byKey.TryGetValue(key, out var p);
            while (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                var next = args[i + 1];
                if (p is null) { values.Add(next); i++; continue; }
                if (p.IsSwitch && !IsBoolLiteral(next)) break;
                values.Add(next);
                i++;
                if (!p.IsArray) break;
            }
        }
        return new CommandLine(targets, options);
    }

    static bool IsBoolLiteral(string s) => s.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "0" or "1";
}
