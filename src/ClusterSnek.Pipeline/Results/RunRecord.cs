using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ClusterSnek.Record;
using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>
/// What the run did, written to artifacts/pipeline.json after every target. The engine owns run, targets, parameters and
/// tools; each stage section (<see cref="Sections"/>) has one writer target, which records a typed value with
/// <see cref="Set{T}"/>; readers get the same type back with <see cref="Get{T}"/>. A section this run does not write is
/// carried from the last run's record, and says so.
/// </summary>
public sealed class RunRecord
{
    /// <summary>JSON options of the engine's own files (cache entries): the record's.</summary>
    public static JsonSerializerOptions Json => RecordJson.Options;

    readonly Lock gate = new();
    readonly Lock writeGate = new();
    readonly Dictionary<string, SectionValue> sections = new(StringComparer.Ordinal);
    readonly Dictionary<string, (SectionValue Value, CarriedSection From)> carried = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Dictionary<string, JsonNode>> contributions = new();
    readonly ConcurrentDictionary<string, ToolUse> tools = new();
    readonly ConcurrentDictionary<(string Target, string Section), bool> announced = new();

    /// <summary>When the run began executing (after waiting for the checkout's run lock).</summary>
    public DateTimeOffset StartedAt { get; internal set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>This run's number in the checkout: one more than the last recorded run.</summary>
    public int Number { get; set; } = 1;

    public IReadOnlyList<string> Requested { get; init; } = [];
    public string? Commit { get; init; }
    public string? Branch { get; init; }
    public Dictionary<string, object?> Parameters { get; } = [];
    public List<TargetResult> Targets { get; } = [];
    public int? ExitCode { get; set; }

    /// <summary>Which sections each running target declared it reads (set by the host; null outside a run).</summary>
    internal Func<string, IReadOnlyCollection<string>>? ReadsOf { get; set; }

    /// <summary>The record of the run in progress, for the engine's own plumbing (tool use); stages never touch it.</summary>
    public static RunRecord? Current { get; internal set; }

    /// <summary>The target whose body is running on this async flow (null outside a target), e.g. for audit entries.</summary>
    public static string? CurrentTarget => TargetOutput.CurrentTarget;

    public IReadOnlyCollection<ToolUse> Tools => tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    public void AddTool(ToolUse tool) => tools[tool.Name] = tool;

    readonly ConcurrentQueue<string> conclusions = new();

    /// <summary>
    /// Lines printed after the summary table, last in the output: only for what a reader of the last line needs (the test
    /// counts CI reads). Anything else belongs in the log, so a failed run's last lines stay its failure.
    /// </summary>
    public IReadOnlyCollection<string> Conclusions => conclusions.ToArray();

    public void Conclude(string line) => conclusions.Enqueue(line);

    readonly ConcurrentDictionary<string, ConcurrentQueue<string>> notes = new(StringComparer.Ordinal);

    /// <summary>
    /// A few words the running target adds to its row of the summary (what it did and did not redo: "rebuilt backend; kept
    /// frontend"); also logged. Outside a target it is only logged.
    /// </summary>
    public void Note(string line)
    {
        Serilog.Log.Information("{Note}", line);
        if (CurrentTarget is { } target) notes.GetOrAdd(target, _ => new()).Enqueue(line);
    }

    public IReadOnlyList<string> NotesOf(string target) => notes.TryGetValue(target, out var q) ? q.ToArray() : [];

    /// <summary>Records a section; only its writer target may (outside a target, e.g. in a unit test, anyone may).</summary>
    public void Set<T>(Section<T> section, T value) where T : class
    {
        CheckWriter(section);
        var node = JsonSerializer.SerializeToNode(value, Json)!;
        lock (gate) sections[section.Name] = new SectionValue(value, node);
        if (TargetOutput.CurrentTarget is { } target)
        {
            var owned = contributions.GetOrAdd(target, _ => new(StringComparer.Ordinal));
            lock (owned) owned[section.Name] = node.DeepClone();
        }
    }

    /// <summary>Changes this run's value of a section (null when this run has none yet, never an earlier run's), e.g. one image at a time.</summary>
    public T Update<T>(Section<T> section, Func<T?, T> update) where T : class
    {
        T next;
        lock (gate)
        {
            var current = sections.TryGetValue(section.Name, out var v) ? v.As<T>() : null;
            next = update(current);
        }
        Set(section, next);
        return next;
    }

    /// <summary>
    /// This run's value of a section, else the last run's (carried, announced once per target with which run and when);
    /// null when no run recorded it. A target reads only the sections it declared with <c>Reads</c>.
    /// </summary>
    public T? Get<T>(Section<T> section) where T : class
    {
        CheckReader(section);
        lock (gate)
        {
            if (sections.TryGetValue(section.Name, out var value)) return value.As<T>();
            if (!carried.TryGetValue(section.Name, out var old)) return null;
            if (TargetOutput.CurrentTarget is { } target && announced.TryAdd((target, section.Name), true))
                Log.Information("Using {Section} from run {Run} ({When:yyyy-MM-dd HH:mm:ss} UTC, commit {Commit}): {Writer} is not part of this run",
                    section.Name, old.From.Run, old.From.StartedAt, Short(old.From.Commit), section.Writer);
            return old.Value.As<T>();
        }
    }

    /// <summary>Where a section's value comes from: null for this run's own (or none), else the earlier run.</summary>
    public CarriedSection? CarriedFrom(ISection section)
    {
        lock (gate)
            return sections.ContainsKey(section.Name) ? null : carried.TryGetValue(section.Name, out var c) ? c.From : null;
    }

    void CheckWriter(ISection section)
    {
        if (TargetOutput.CurrentTarget is { } target && !string.Equals(target, section.Writer, StringComparison.Ordinal))
            throw new InvalidOperationException($"{target} tried to write the {section.Name} section of pipeline.json, which only {section.Writer} writes.");
    }

    void CheckReader(ISection section)
    {
        if (TargetOutput.CurrentTarget is not { } target || ReadsOf is null || target == section.Writer) return;
        if (!ReadsOf(target).Contains(section.Name))
            throw new InvalidOperationException($"{target} reads the {section.Name} section without declaring it: add .Reads(Sections.{Pascal(section.Name)}) to {target}, so it runs after {section.Writer}.");
    }

    static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    static string Short(string? commit) => commit is { Length: > 12 } ? commit[..12] : commit ?? "unknown";

    internal IReadOnlyDictionary<string, JsonNode> ContributionsOf(string target)
    {
        if (!contributions.TryGetValue(target, out var owned)) return new Dictionary<string, JsonNode>();
        lock (owned) return owned.ToDictionary(kv => kv.Key, kv => kv.Value.DeepClone());
    }

    /// <summary>Replays what a cached target recorded when it last ran, as if it had just written it.</summary>
    internal void Restore(string target, IReadOnlyDictionary<string, JsonNode> recorded)
    {
        var owned = contributions.GetOrAdd(target, _ => new(StringComparer.Ordinal));
        foreach (var (name, node) in recorded)
        {
            lock (gate) sections[name] = new SectionValue(null, node.DeepClone());
            lock (owned) owned[name] = node.DeepClone();
        }
    }

    /// <summary>Takes back what <see cref="Restore"/> replayed for a target (its replay was refused): those sections are empty until it runs.</summary>
    internal void Unrestore(string target)
    {
        if (!contributions.TryRemove(target, out var owned)) return;
        lock (owned) lock (gate) foreach (var name in owned.Keys) sections.Remove(name);
    }

    /// <summary>
    /// Takes the sections of the last run's record as carried values (keeping where they first came from). A record of another
    /// schema version, or a section of another shape, is not carried; one line says so.
    /// </summary>
    internal void CarryFrom(AbsolutePath pipelineJson)
    {
        if (!File.Exists(pipelineJson)) return;
        JsonObject? previous;
        try { previous = JsonNode.Parse(File.ReadAllText(pipelineJson)) as JsonObject; }
        catch (JsonException e)
        {
            Log.Warning("{File} is not readable JSON ({Reason}); this run starts without the last run's record", pipelineJson.Name, e.Message);
            return;
        }
        if (previous is null) return;
        var version = previous["schemaVersion"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
        Number = (previous["run"]?["number"] is JsonValue r && r.TryGetValue<int>(out var last) ? last : 0) + 1;
        if (version != PipelineDocument.CurrentSchemaVersion)
        {
            Log.Warning("{File} is a record of schema version {Version} (this is {Current}); its sections are not carried into this run",
                pipelineJson.Name, version, PipelineDocument.CurrentSchemaVersion);
            return;
        }
        var origins = (previous["carried"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => c.Deserialize<CarriedSection>(Json)).OfType<CarriedSection>().ToDictionary(c => c.Section, StringComparer.Ordinal);
        var run = previous["run"]!;
        foreach (var section in Sections.All)
        {
            if (previous[section.Name] is not { } node) continue;
            try
            {
                var value = node.Deserialize(section.ValueType, Json);
                if (value is null) continue;
                var from = origins.GetValueOrDefault(section.Name) ?? new CarriedSection(section.Name, section.Writer, Number - 1,
                    run["startedAt"]!.GetValue<DateTimeOffset>(), run["commit"]?.GetValue<string>());
                lock (gate) carried[section.Name] = (new SectionValue(value, node.DeepClone()), from);
            }
            catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException)
            {
                Log.Warning("{File}: the {Section} section of run {Run} does not read as this version's record ({Reason}); not carried",
                    pipelineJson.Name, section.Name, Number - 1, e.Message.Split('\n')[0]);
            }
        }
    }

    /// <summary>The record as the typed document readers take (this run's sections, then carried ones, marked as such).</summary>
    public PipelineDocument ToDocument() => ToDocument(out _);

    PipelineDocument ToDocument(out Dictionary<string, JsonNode> extra)
    {
        var finished = FinishedAt ?? DateTimeOffset.UtcNow;
        var parameters = new ParameterValues();
        foreach (var (name, value) in Parameters) parameters[name] = JsonSerializer.SerializeToNode(value, Json);
        List<TargetEntry> targets;
        lock (gate) targets = Targets.Select(t => new TargetEntry(t.Name, t.Status, (long)t.Duration.TotalMilliseconds, t.Reason, t.StartedAt, t.FinishedAt) { CachedFrom = t.CachedFrom }).ToList();
        extra = new(StringComparer.Ordinal);
        var carriedNow = new List<CarriedSection>();
        var document = new PipelineDocument(PipelineDocument.CurrentSchemaVersion,
            new RunInfo(Number, Requested, StartedAt, FinishedAt, (long)(finished - StartedAt).TotalMilliseconds, ExitCode, Commit, Branch,
                Environment.MachineName, Environment.UserName, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" ? "github-actions"
                : Environment.GetEnvironmentVariable("CI") == "true" ? "ci" : null),
            targets, parameters, Tools.ToList(), carriedNow);
        lock (gate)
        {
            foreach (var (name, value) in sections)
            {
                if (Sections.Named(name) is { } known) document = document.With(known, value.As(known.ValueType));
                else extra[name] = value.Json.DeepClone();
            }
            foreach (var (name, (value, from)) in carried.Where(c => !sections.ContainsKey(c.Key)))
            {
                document = document.With(Sections.Named(name)!, value.As(Sections.Named(name)!.ValueType));
                carriedNow.Add(from);
            }
        }
        carriedNow.Sort((a, b) => string.CompareOrdinal(a.Section, b.Section));
        return document;
    }

    /// <summary>pipeline.json's content: the document, plus any section of the build's own that the project's record does not know.</summary>
    public JsonObject ToJson()
    {
        var document = ToDocument(out var extra);
        var root = JsonSerializer.SerializeToNode(document, Json)!.AsObject();
        foreach (var (name, node) in extra.OrderBy(e => e.Key, StringComparer.Ordinal)) root[name] = node;
        return root;
    }

    /// <summary>
    /// Writes pipeline.json atomically (temp file + rename): values are redacted before serializing (an escaped secret no longer
    /// looks like itself), and the text again afterwards (every encoded form) as a last line of defence.
    /// </summary>
    public void Write(AbsolutePath file)
    {
        Directory.CreateDirectory(file.Parent);
        var text = Redactor.Redact(Redactor.RedactValues(ToJson())!.ToJsonString(Json));
        var temp = file + ".tmp";
        lock (writeGate)
        {
            File.WriteAllText(temp, text);
            File.Move(temp, file, overwrite: true);
        }
    }

    /// <summary>A section's value: typed when this run wrote it, JSON when it was replayed or carried (typed on first read).</summary>
    sealed class SectionValue(object? typed, JsonNode json)
    {
        object? typed = typed;
        public JsonNode Json { get; } = json;

        public T? As<T>() where T : class => (T?)As(typeof(T));

        public object? As(Type type)
        {
            if (typed is not null && type.IsInstanceOfType(typed)) return typed;
            return typed = Json.Deserialize(type, RunRecord.Json);
        }
    }
}
