using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace ClusterSnek.Reports.Workflows;

/// <summary>
/// A workflow file as YamlDotNet's representation model, written by YamlDotNet's emitter, which quotes and escapes every
/// scalar. Comments, which the model has no place for, are kept beside it and written after their node.
/// </summary>
internal sealed partial class WorkflowDocument(params string[] header)
{
    const string CoreTag = "tag:yaml.org,2002:";
    readonly Dictionary<YamlNode, string> comments = new(ReferenceEqualityComparer.Instance);

    public YamlMappingNode Root { get; } = new();

    /// <summary>A string: written plain when it reads back as the same string, quoted (or as a literal block) otherwise.</summary>
    public static YamlScalarNode Text(string value) => new(value);

    public static YamlScalarNode Bool(bool value) => Typed(value ? "true" : "false", "bool");

    public static YamlScalarNode Int(int value) => Typed(value.ToString(System.Globalization.CultureInfo.InvariantCulture), "int");

    /// <summary>An empty value (<c>pull_request:</c> with no filters).</summary>
    public static YamlScalarNode Null() => Typed("null", "null");

    /// <summary>A short list written inline (<c>[a, b]</c>).</summary>
    public static YamlSequenceNode Inline(IEnumerable<string> items) =>
        new(items.Select(i => (YamlNode)Text(i))) { Style = SequenceStyle.Flow };

    /// <summary>A string, a bool or an int as its scalar.</summary>
    public static YamlScalarNode Scalar(object value) => value switch
    {
        bool b => Bool(b),
        int i => Int(i),
        string s => Text(s),
        _ => throw new ArgumentException($"{value.GetType().Name} is not a workflow scalar.", nameof(value)),
    };

    static YamlScalarNode Typed(string text, string type) => new(text) { Tag = CoreTag + type };

    /// <summary>Writes <paramref name="comment"/> after <paramref name="node"/> on its line.</summary>
    public T Comment<T>(T node, string comment) where T : YamlNode
    {
        comments[node] = comment;
        return node;
    }

    public override string ToString()
    {
        var text = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings().WithBestIndent(2).WithBestWidth(int.MaxValue).WithIndentedSequences().WithNewLine("\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        foreach (var line in header) emitter.Emit(new Comment(line, isInline: false));
        Emit(emitter, Root);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    void Emit(IEmitter emitter, YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                var typed = !scalar.Tag.IsEmpty && scalar.Tag.Value.StartsWith(CoreTag, StringComparison.Ordinal);
                emitter.Emit(new Scalar(null, null, text, typed ? ScalarStyle.Plain : StyleOf(text), isPlainImplicit: true, isQuotedImplicit: true));
                break;
            case YamlSequenceNode sequence:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, sequence.Style));
                foreach (var item in sequence) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case YamlMappingNode mapping:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, mapping.Style));
                foreach (var (key, value) in mapping)
                {
                    // Keys are the workflow syntax's own names; they stay plain (on:, not 'on':) as GitHub documents them.
                    emitter.Emit(new Scalar(null, null, ((YamlScalarNode)key).Value ?? "", ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            default:
                throw new ArgumentException($"{node.GetType().Name} cannot be written to a workflow.", nameof(node));
        }
        if (comments.TryGetValue(node, out var comment)) emitter.Emit(new Comment(comment, isInline: true));
    }

    /// <summary>
    /// A string that a YAML reader would take for something else when plain (null, a boolean of YAML 1.1 or 1.2, a number)
    /// is quoted; one with line breaks is a literal block; the emitter decides the rest (and quotes ": ", " #", leading indicators).
    /// </summary>
    static ScalarStyle StyleOf(string value) =>
        value.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal
        : NotAString().IsMatch(value) ? ScalarStyle.SingleQuoted
        : ScalarStyle.Any;

    [GeneratedRegex(@"^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
        + @"|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
        + @"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)$")]
    private static partial Regex NotAString();
}
