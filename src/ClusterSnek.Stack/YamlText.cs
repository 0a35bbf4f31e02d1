using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Stack;

/// <summary>A YAML file that does not parse: where the parser stopped (1-based) and why, in words a user can act on.</summary>
public sealed class YamlSyntaxException(int line, int column, string reason, Exception inner) : Exception($"{line}:{column}: {reason}", inner)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string Reason { get; } = reason;
}

/// <summary>
/// Loads YAML text for the project's own readers (clustersnek.yaml, values files). YamlDotNet raises YamlException with a
/// position for most faults, but some inputs (an unclosed flow sequence followed by more lines) surface as a bare
/// InvalidOperationException from its scanner; every one becomes a <see cref="YamlSyntaxException"/> with a position.
/// </summary>
public static partial class YamlText
{
    public static YamlStream Load(TextReader reader)
    {
        var text = reader.ReadToEnd();
        var parser = new Parser(new Scanner(new StringReader(text)));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
            return stream;
        }
        catch (AnchorNotFoundException e) when (AnchorName().Match(e.Message) is { Success: true } m)
        {
            // YamlDotNet resolves aliases after the document and reports them at 1:1; the alias itself is where to look.
            var (line, column) = Find(text, "*" + m.Groups[1].Value) ?? (1, 1);
            throw new YamlSyntaxException(line, column, $"the alias '*{m.Groups[1].Value}' refers to no anchor: define '&{m.Groups[1].Value}' before it", e);
        }
        catch (YamlException e)
        {
            var reason = Lower(e.Message.Split('\n')[0].Trim().TrimEnd('.'));
            var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
            // A tab in the indentation is reported at the start of the mapping that holds it (1:1); the tab itself is the fix.
            if (reason.Contains("tab", StringComparison.Ordinal) && FirstIndentingTab(text) is { } tab) (line, column) = tab;
            throw new YamlSyntaxException(line, column, reason, e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // The last event the parser produced is where the unreadable part begins (e.g. the '[' that is never closed).
            var at = parser.Current?.Start ?? Mark.Empty;
            throw new YamlSyntaxException(Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column),
                "the YAML cannot be read from here on: look for a '[', '{' or quote opened here and not closed", e);
        }
    }

    [GeneratedRegex("anchor '([^']+)'")]
    private static partial Regex AnchorName();

    static (int Line, int Column)? Find(string text, string token)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].IndexOf(token, StringComparison.Ordinal) is var at and >= 0) return (i + 1, at + 1);
        return null;
    }

    static (int Line, int Column)? FirstIndentingTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            if (lines[i].IndexOf('\t', 0, indent) is var at and >= 0) return (i + 1, at + 1);
        }
        return null;
    }

    static string Lower(string text) => text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}
