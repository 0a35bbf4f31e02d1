using System.Collections.Concurrent;
using System.Text.Json;

namespace ClusterSnek.Pipeline.Tests;

/// <summary>A throwaway repository root with .nuke/, removed after the test.</summary>
public sealed class TempRoot : IDisposable
{
    public AbsolutePath Path { get; } = new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clustersnek-test-" + Guid.NewGuid().ToString("N")[..8]));

    public TempRoot() => (Path / ".nuke").CreateDirectory();

    public AbsolutePath Write(string relative, string text)
    {
        var file = Path / relative;
        file.Parent.CreateDirectory();
        File.WriteAllText(file, text);
        return file;
    }

    public JsonDocument PipelineJson() => JsonDocument.Parse(File.ReadAllText(Path / "artifacts" / "pipeline.json"));

    /// <summary>The target's status as recorded in pipeline.json, read as the record's enum (e.g. "Cached").</summary>
    public string Status(string target) =>
        PipelineDocument.Read(Path / "artifacts" / "pipeline.json").Target(target)!.Status.ToString();

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Runs a build class in-process against a <see cref="TempRoot"/> and captures its console.</summary>
public static class Engine
{
    public static (int ExitCode, string Output) Run(PipelineBuild build, TempRoot root, params string[] args) =>
        Run(build, root, new Dictionary<string, string>(), args);

    public static (int ExitCode, string Output) Run(PipelineBuild build, TempRoot root, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var console = new StringWriter();
        var exit = PipelineBuild.Execute(build, args, TextWriter.Synchronized(console), name => environment.GetValueOrDefault(name), null, root.Path);
        return (exit, console.ToString());
    }
}

/// <summary>Records when each target ran, for ordering and overlap assertions.</summary>
public sealed class Journal
{
    public ConcurrentQueue<string> Order { get; } = new();
    public ConcurrentDictionary<string, (DateTimeOffset Start, DateTimeOffset End)> Times { get; } = new();

    public Action Step(string name, Action? body = null) => () =>
    {
        var start = DateTimeOffset.UtcNow;
        Order.Enqueue(name);
        body?.Invoke();
        Times[name] = (start, DateTimeOffset.UtcNow);
    };

    public int IndexOf(string name) => Order.ToList().IndexOf(name);
}
