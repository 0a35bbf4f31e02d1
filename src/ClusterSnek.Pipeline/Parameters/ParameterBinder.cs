using System.Text.Json;

namespace ClusterSnek.Pipeline;

/// <summary>Where a parameter's value came from.</summary>
public enum ParameterSource { Default, ParametersFile, Environment, CommandLine }

/// <summary>A usage error: bad flag, bad value, unknown target, an input file that cannot be used. Printed as one line, exit code 2.</summary>
public class UsageException(string message) : Exception(message);

/// <summary>Binds parameters with precedence CLI &gt; environment &gt; .nuke/parameters.json &gt; default.</summary>
internal sealed class ParameterBinder(IReadOnlyList<ParameterDescriptor> parameters, Func<string, string?> environment)
{
    public Dictionary<string, ParameterSource> Sources { get; } = [];

    public void Bind(object build, IReadOnlyDictionary<string, List<string>> cli, AbsolutePath? parametersFile)
    {
        var fileValues = ReadParametersFile(parametersFile);
        var byKey = parameters.ToDictionary(p => ParameterNames.Key(p.Name));
        foreach (var key in cli.Keys.Where(k => !byKey.ContainsKey(k)))
            throw new UsageException($"Unknown option --{key}. {Suggest(key)}Run ./build.sh --help to see every parameter.");
        foreach (var key in fileValues.Keys.Where(k => !byKey.ContainsKey(k)))
            throw new UsageException($"{parametersFile}: unknown parameter '{key}'. Remove it or use a name from ./build.sh --help.");

        foreach (var p in parameters)
        {
            var key = ParameterNames.Key(p.Name);
            if (cli.TryGetValue(key, out var values))
            {
                p.SetValue(build, Convert(p, values, $"option {p.Flag}"));
                Sources[p.Name] = ParameterSource.CommandLine;
            }
            else if (ReadEnvironment(p) is { } env)
            {
                p.SetValue(build, Convert(p, SplitList(p, env.Value), $"environment variable {env.Name}"));
                Sources[p.Name] = ParameterSource.Environment;
            }
            else if (fileValues.TryGetValue(key, out var fileValue))
            {
                if (p.IsSecret)
                    throw new UsageException($"{parametersFile}: '{p.Name}' is a secret and must not be committed; set {p.EnvironmentVariable} or pass {p.Flag} instead.");
                p.SetValue(build, Convert(p, fileValue, $"{parametersFile} key '{p.Name}'"));
                Sources[p.Name] = ParameterSource.ParametersFile;
            }
            else
            {
                Sources[p.Name] = ParameterSource.Default;
            }

            if (p.IsSecret && p.GetValue(build) is string secret) Redactor.Register(secret);
        }
    }

    (string Name, string Value)? ReadEnvironment(ParameterDescriptor p)
    {
        if (environment(p.EnvironmentVariable) is { Length: > 0 } v) return (p.EnvironmentVariable, v);
        if (p.ExtraEnvironmentVariable is { } extra && environment(extra) is { Length: > 0 } w) return (extra, w);
        return null;
    }

    static List<string> SplitList(ParameterDescriptor p, string value) =>
        p.IsArray ? value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : [value];

    string Suggest(string key)
    {
        var best = parameters.Select(p => (p, d: Distance(ParameterNames.Key(p.Name), key))).OrderBy(x => x.d).FirstOrDefault();
        return best.p is not null && best.d <= 3 ? $"Did you mean {best.p.Flag}? " : "";
    }

    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    static Dictionary<string, List<string>> ReadParametersFile(AbsolutePath? file)
    {
        var result = new Dictionary<string, List<string>>();
        if (file is null || !File.Exists(file)) return result;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new UsageException($"{file}: line {e.LineNumber + 1}: not valid JSON ({e.Message.Split('.')[0]}). Fix the file or delete it."); }
        using (doc)
        {
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "$schema") continue;
                result[ParameterNames.Key(prop.Name)] = prop.Value.ValueKind switch
                {
                    JsonValueKind.Array => prop.Value.EnumerateArray().Select(e => e.ToString()).ToList(),
                    JsonValueKind.True => ["true"],
                    JsonValueKind.False => ["false"],
                    _ => [prop.Value.ToString()],
                };
            }
        }
        return result;
    }

    internal static object? Convert(ParameterDescriptor p, List<string> values, string origin)
    {
        var t = p.ValueType;
        if (t.IsArray)
        {
            var element = t.GetElementType()!;
            var array = Array.CreateInstance(element, values.Count);
            for (var i = 0; i < values.Count; i++) array.SetValue(ConvertOne(p, element, values[i], origin), i);
            return array;
        }
        if (values.Count == 0)
            return t == typeof(bool) ? true : throw new UsageException($"Parameter {p.Flag} ({origin}) needs a value of type {p.TypeName}.");
        if (values.Count > 1)
            throw new UsageException($"Parameter {p.Flag} ({origin}) takes one value but got {values.Count}: {string.Join(" ", values.Select(Redactor.Redact))}.");
        return ConvertOne(p, t, values[0], origin);
    }

    static object ConvertOne(ParameterDescriptor p, Type t, string raw, string origin)
    {
        string Bad(string allowed) =>
            $"Parameter {p.Flag} ({origin}): '{(p.IsSecret ? Redactor.Mask : raw)}' is not {allowed}.";
        if (t == typeof(string)) return raw;
        if (t == typeof(bool))
            return raw.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw new UsageException(Bad("a boolean; allowed: true, false")),
            };
        // Where else the value can be set, so the fix is at hand whichever place the bad value came from.
        string Settable() => $"(set with {p.Flag} or {p.EnvironmentVariable})";
        if (t == typeof(int))
        {
            if (!int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i))
                throw new UsageException(Bad(p.RangeText is { } r ? $"a whole number ({r})" : "an integer"));
            if (i < p.Minimum || i > p.Maximum)
                throw new UsageException($"Parameter {p.Flag} ({origin}): {i} is out of range; allowed: {p.RangeText} {Settable()}.");
            return i;
        }
        if (t.IsEnum)
        {
            var match = Enum.GetNames(t).FirstOrDefault(n => ParameterNames.Key(n) == ParameterNames.Key(raw));
            return match is not null ? Enum.Parse(t, match) : throw new UsageException(Bad("allowed; allowed: " + string.Join(", ", Enum.GetNames(t))));
        }
        if (t == typeof(AbsolutePath))
        {
            var expanded = raw.StartsWith('~') ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + raw[1..] : raw;
            var path = new AbsolutePath(Path.IsPathRooted(expanded) ? expanded : Path.Combine(Environment.CurrentDirectory, expanded));
            if (p.MustExist && !File.Exists(path) && !Directory.Exists(path))
                throw new UsageException($"Parameter {p.Flag} ({origin}): '{raw}' does not exist{(raw == path.Value ? "" : $" ({path})")}; allowed: an existing file or folder {Settable()}.");
            return path;
        }
        throw new UsageException($"Parameter {p.Flag} has unsupported type {t.Name}.");
    }
}
