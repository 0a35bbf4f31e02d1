namespace ClusterSnek.Pipeline;

/// <summary>
/// Keeps each target's console lines together: one target at a time holds the console and prints live;
/// the others buffer and are flushed whole, in start order, when the holder finishes.
/// </summary>
internal sealed class TargetOutput(TextWriter console)
{
    static readonly AsyncLocal<Scope?> Current = new();
    readonly Lock gate = new();
    readonly List<Scope> waiting = [];
    Scope? holder;

    public sealed class Scope(string target)
    {
        public string Target { get; } = target;
        public List<string> Buffer { get; } = [];
        public bool Done { get; set; }
    }

    public static string? CurrentTarget => Current.Value?.Target;

    public Scope Begin(string target)
    {
        var scope = new Scope(target);
        Current.Value = scope;
        lock (gate)
        {
            if (holder is null) holder = scope;
            else waiting.Add(scope);
        }
        return scope;
    }

    public void WriteLine(string line)
    {
        var scope = Current.Value;
        lock (gate)
        {
            if (scope is null || scope == holder) { console.WriteLine(Prefix(scope, line)); return; }
            scope.Buffer.Add(line);
        }
    }

    public void End(Scope scope)
    {
        Current.Value = null;
        lock (gate)
        {
            scope.Done = true;
            if (scope != holder) return;
            holder = null;
            while (waiting.Count > 0)
            {
                var next = waiting[0];
                waiting.RemoveAt(0);
                foreach (var line in next.Buffer) console.WriteLine(Prefix(next, line));
                next.Buffer.Clear();
                if (!next.Done) { holder = next; break; }
            }
        }
        console.Flush();
    }

    static string Prefix(Scope? scope, string line) => scope is null ? line : $"[{scope.Target}] {line}";
}
