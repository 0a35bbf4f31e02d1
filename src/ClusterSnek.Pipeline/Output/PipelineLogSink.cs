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
        formatter.Format(logEvent, buffer);
        var text = Redactor.Redact(buffer.ToString());
        lock (gate) writer.Write(text);
    }

    public void Dispose() { lock (gate) writer.Dispose(); }
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
