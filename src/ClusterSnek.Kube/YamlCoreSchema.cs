using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Kube;

/// <summary>
/// YAML nodes as JSON, with scalars typed by the YAML 1.2 core schema: a quoted (or block, or <c>!!str</c>) scalar is a
/// string; a plain one is null (<c>null</c>, <c>~</c>, empty), a boolean (<c>true</c>/<c>false</c> only: YAML 1.1's
/// <c>yes</c>/<c>on</c> stay strings), an integer (decimal, <c>0o</c> octal, <c>0x</c> hex), a float, or else a string.
/// A number keeps its literal text (<c>1.10</c> stays <c>1.10</c>, never 1.1); only forms JSON lacks are rewritten.
/// </summary>
internal static partial class YamlCoreSchema
{
    const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>The node as JSON; <paramref name="origin"/> names the input in errors.</summary>
    public static JsonNode? ToJson(YamlNode node, string origin) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value, origin)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(c => ToJson(c, origin)).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } p when p.Tag.IsEmpty || p.Tag.Value != StrTag => Plain(p, origin),
        YamlScalarNode q => JsonValue.Create(q.Value ?? ""),
        _ => null,
    };

    static JsonNode? Plain(YamlScalarNode scalar, string origin)
    {
        var v = scalar.Value ?? "";
        if (Null().IsMatch(v)) return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (Octal().IsMatch(v)) return Integer(v[2..], 8);
        if (Hexadecimal().IsMatch(v)) return Integer(v[2..], 16);
        if (Decimal().Match(v) is { Success: true } d) return JsonNode.Parse(JsonNumberText(d));
        if (Infinity().IsMatch(v) || NotANumber().IsMatch(v))
            throw new InvalidOperationException(
                $"{origin}:{scalar.Start.Line}: {v} is a float JSON cannot hold (kubectl refuses it too); quote it if it is meant as text.");
        return JsonValue.Create(v);
    }

    static JsonNode Integer(string digits, int radix)
    {
        var value = digits.Aggregate(BigInteger.Zero, (n, c) => n * radix + Convert.ToInt32(c.ToString(), radix));
        return JsonNode.Parse(value.ToString(CultureInfo.InvariantCulture))!;
    }

    /// <summary>The number's own text, changed only where JSON's grammar is narrower: no '+', no leading zeros, digits around the point.</summary>
    static string JsonNumberText(Match m)
    {
        var whole = m.Groups["whole"].Value.TrimStart('0');
        var fraction = m.Groups["point"].Success ? "." + (m.Groups["fraction"].Value.Length == 0 ? "0" : m.Groups["fraction"].Value) : "";
        return (m.Groups["sign"].Value == "-" ? "-" : "") + (whole.Length == 0 ? "0" : whole) + fraction + m.Groups["exponent"].Value;
    }

    [GeneratedRegex("^(null|Null|NULL|~|)$")]
    private static partial Regex Null();

    [GeneratedRegex("^0o[0-7]+$")]
    private static partial Regex Octal();

    [GeneratedRegex("^0x[0-9a-fA-F]+$")]
    private static partial Regex Hexadecimal();

    // The core schema's int ([-+]?[0-9]+) and float ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?) in one; the
    // lookahead asks for a digit before any exponent, so ".", "+" and "e5" stay strings.
    [GeneratedRegex(@"^(?<sign>[-+]?)(?=\.?[0-9])(?<whole>[0-9]*)((?<point>\.)(?<fraction>[0-9]*))?(?<exponent>[eE][-+]?[0-9]+)?$")]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^[-+]?\.(inf|Inf|INF)$")]
    private static partial Regex Infinity();

    [GeneratedRegex(@"^\.(nan|NaN|NAN)$")]
    private static partial Regex NotANumber();
}
