using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace ClusterSnek.Pipeline;

/// <summary>Console sink: renders, redacts, and routes the line through the target's output scope.</summary>
internal sealed class ConsoleSink(TargetOutput output) : ILogEventSink
{
    readonly MessageTemplateTextFormatter formatter = new("{Message:lj}{NewLine}{Exception}");

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        formatter.Format(logEvent, writer);
        var text = Redactor.Redact(writer.ToString().TrimEnd());
        var level = logEvent.Level switch
        {
            LogEventLevel.Warning => "WRN ",
            LogEventLevel.Error or LogEventLevel.Fatal => "ERR ",
            LogEventLevel.Debug or LogEventLevel.Verbose => "DBG ",
            _ => "",
        };
        foreach (var line in text.Split('\n')) output.WriteLine(level + line.TrimEnd('\r'));
    }
}

/// <summary>File sink: structured JSON lines, redacted after rendering so no property can leak a secret.</summary>
internal sealed class RedactingFileSink(ITextFormatter formatter, string path) : ILogEventSink, IDisposable
{
    readonly Lock gate = new();
    readonly StreamWriter writer = CreateWriter(path);

    static StreamWriter CreateWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public void Emit(LogEvent logEvent)
    {
        using var buffer = new StringWriter();
        formatter.Format(Redacted(logEvent), buffer);
        var text = Redactor.Redact(buffer.ToString());
        lock (gate) writer.Write(text);
    }

    public void Dispose() { lock (gate) writer.Dispose(); }

    // Property values are redacted before the JSON formatter escapes them (an escaped secret would not match the text).
    static LogEvent Redacted(LogEvent e) => new(e.Timestamp, e.Level, e.Exception is null ? null : new RedactedException(e.Exception),
        e.MessageTemplate, e.Properties.Select(p => new LogEventProperty(p.Key, Redacted(p.Value))));

    static LogEventPropertyValue Redacted(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } => new ScalarValue(Redactor.Redact(s)),
        SequenceValue q => new SequenceValue(q.Elements.Select(Redacted)),
        StructureValue t => new StructureValue(t.Properties.Select(p => new LogEventProperty(p.Name, Redacted(p.Value))), t.TypeTag),
        DictionaryValue d => new DictionaryValue(d.Elements.Select(kv =>
            KeyValuePair.Create((ScalarValue)Redacted(kv.Key), Redacted(kv.Value)))),
        _ => value,
    };

    /// <summary>An exception whose message and stack text are redacted, as the file's JSON formatter prints it.</summary>
    sealed class RedactedException(Exception inner) : Exception(Redactor.Redact(inner.Message))
    {
        public override string ToString() => Redactor.Redact(inner.ToString());
        public override string? StackTrace => null;
    }
}

/// <summary>Adds the running target's name to every event as the "Target" property.</summary>
internal sealed class TargetEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
    {
        if (TargetOutput.CurrentTarget is { } target)
            logEvent.AddPropertyIfAbsent(factory.CreateProperty("Target", target));
    }
}
