using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ClusterSnek.Pipeline;

/// <summary>
/// What the run did, written to artifacts/pipeline.json after every target. The engine owns targets,
/// parameters, host and tools; stages add their own sections (images, policies, deployment...) with <see cref="Set"/>.
/// </summary>
public sealed class RunRecord
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    readonly Lock gate = new();
    readonly Lock writeGate = new();
    readonly Dictionary<string, JsonNode?> sections = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, List<RecordOperation>> contributions = new();
    readonly ConcurrentDictionary<string, ToolUse> tools = new();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? FinishedAt { get; set; }
    public IReadOnlyList<string> Requested { get; init; } = [];
    public string? Commit { get; init; }
    public string? Branch { get; init; }
    public Dictionary<string, object?> Parameters { get; } = [];
    public List<TargetResult> Targets { get; } = [];
    public int? ExitCode { get; set; }

    /// <summary>The record of the run in progress (null outside a run, e.g. in unit tests of a stage).</summary>
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

    /// <summary>Sets a top-level section of pipeline.json; the running target owns it for its cache entry.</summary>
    public void Set(string section, object? value)
    {
        var node = value is null ? null : JsonSerializer.SerializeToNode(value, Json);
        Apply(new RecordOperation(section, null, null, node));
    }

    /// <summary>
    /// Merges fields into the element of an array section whose <paramref name="key"/> equals <paramref name="keyValue"/>
    /// (e.g. Scan adds "scan" to the images[] entry of service "backend"), adding the element when there is none.
    /// </summary>
    public void Patch(string section, string key, string keyValue, object patch) =>
        Apply(new RecordOperation(section, key, keyValue, JsonSerializer.SerializeToNode(patch, Json)));

    void Apply(RecordOperation operation)
    {
        lock (gate) ApplyLocked(operation);
        if (TargetOutput.CurrentTarget is { } target)
        {
            var owned = contributions.GetOrAdd(target, _ => []);
            lock (owned)
            {
                if (operation.Key is null) owned.RemoveAll(o => o.Section == operation.Section && o.Key is null);
                owned.Add(operation with { Value = operation.Value?.DeepClone() });
            }
        }
    }

    void ApplyLocked(RecordOperation op)
    {
        if (op.Key is null) { sections[op.Section] = op.Value?.DeepClone(); return; }
        if (sections.GetValueOrDefault(op.Section) is not JsonArray array) sections[op.Section] = array = [];
        var element = array.OfType<JsonObject>().FirstOrDefault(e => e[op.Key]?.GetValue<string>() == op.KeyValue);
        if (element is null) array.Add(element = new JsonObject { [op.Key] = op.KeyValue });
        if (op.Value is JsonObject patch)
            foreach (var (name, value) in patch) element[name] = value?.DeepClone();
    }

    public T? Get<T>(string section)
    {
        lock (gate) return sections.TryGetValue(section, out var node) && node is not null ? node.Deserialize<T>(Json) : default;
    }

    internal IReadOnlyList<RecordOperation> ContributionsOf(string target)
    {
        if (!contributions.TryGetValue(target, out var owned)) return [];
        lock (owned) return owned.Select(o => o with { Value = o.Value?.DeepClone() }).ToList();
    }

    internal void Restore(string target, IReadOnlyList<RecordOperation> operations)
    {
        var owned = contributions.GetOrAdd(target, _ => []);
        foreach (var op in operations)
        {
            lock (gate) ApplyLocked(op);
            lock (owned) owned.Add(op with { Value = op.Value?.DeepClone() });
        }
    }

    public JsonObject ToJson()
    {
        var finished = FinishedAt ?? DateTimeOffset.UtcNow;
        var root = new JsonObject
        {
            ["schemaVersion"] = 1,
            ["run"] = new JsonObject
            {
                ["requested"] = new JsonArray(Requested.Select(r => (JsonNode)r).ToArray()),
                ["startedAt"] = StartedAt,
                ["finishedAt"] = FinishedAt,
                ["durationMs"] = (long)(finished - StartedAt).TotalMilliseconds,
                ["exitCode"] = ExitCode,
                ["commit"] = Commit,
                ["branch"] = Branch,
                ["host"] = Environment.MachineName,
                ["user"] = Environment.UserName,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["ci"] = Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" ? "github-actions"
                    : Environment.GetEnvironmentVariable("CI") == "true" ? "ci" : null,
            },
            ["targets"] = JsonSerializer.SerializeToNode(Targets.Select(t => new
            {
                t.Name, t.Status, durationMs = (long)t.Duration.TotalMilliseconds, t.Reason, t.StartedAt, t.FinishedAt,
            }), Json),
            ["parameters"] = JsonSerializer.SerializeToNode(Parameters, Json),
            ["tools"] = JsonSerializer.SerializeToNode(Tools, Json),
        };
        lock (gate)
            foreach (var (key, node) in sections.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                root[key] = node?.DeepClone();
        return root;
    }

    /// <summary>Writes pipeline.json atomically, redacted a second time as a last line of defence.</summary>
    public void Write(AbsolutePath file)
    {
        Directory.CreateDirectory(file.Parent);
        var text = Redactor.Redact(ToJson().ToJsonString(Json));
        var temp = file + ".tmp";
        lock (writeGate)
        {
            File.WriteAllText(temp, text);
            File.Move(temp, file, overwrite: true);
        }
    }
}

/// <summary>One change a target made to pipeline.json, replayed when the target is cached.</summary>
internal sealed record RecordOperation(string Section, string? Key, string? KeyValue, JsonNode? Value);
