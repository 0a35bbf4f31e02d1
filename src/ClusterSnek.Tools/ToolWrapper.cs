using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using ClusterSnek.Pipeline;
using Serilog;

namespace ClusterSnek.Tools;

/// <summary>What a tool call returned.</summary>
public sealed record ToolResult(string Tool, IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The process id the call ran as (null when it never started).</summary>
    public int? ProcessId { get; init; }

    /// <summary>The signal that ended the process (exit 128 + N on Linux) when it was killed rather than failing by itself.</summary>
    public string? KilledBy => ExitCode is > 128 and < 160 ? (ExitCode - 128) switch
    {
        9 => "SIGKILL", 15 => "SIGTERM", 2 => "SIGINT", 6 => "SIGABRT", 11 => "SIGSEGV", var n => $"signal {n}",
    } : null;

    /// <summary>
    /// One line for a failed call: a tool that was killed mid-call is named with its pid and the signal (its last output line
    /// would only be a symptom, e.g. "unexpected EOF"); otherwise the exit code and its last error line.
    /// </summary>
    public string Failure => KilledBy is { } signal
        ? $"{Tool} {Arguments.FirstOrDefault()} (pid {ProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}) was killed by {signal} before it finished"
        : $"{Tool} {Arguments.FirstOrDefault()} failed (exit {ExitCode}): {LastErrorLine}";

    /// <summary>
    /// The line that says what went wrong, for one-line error messages: the first compiler/MSBuild error (<c>file(l,c): error CS…</c>)
    /// when there is one (the last line of a failed build is only its elapsed time), else the last non-empty line of stderr (or stdout).
    /// </summary>
    public string LastErrorLine
    {
        get
        {
            var lines = (StandardError + "\n" + StandardOutput).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal))
                ?? lines.Where(l => !l.StartsWith("WARNING", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("Time Elapsed", StringComparison.Ordinal))
                    .LastOrDefault() ?? "(no output)";
        }
    }
}

/// <summary>A tool call that exited non-zero where success was required.</summary>
public sealed class ToolFailedException(ToolResult result, string message) : Exception(message)
{
    public ToolResult Result { get; } = result;
}

/// <summary>An input a tool cannot read, refused before the call (the tool itself would fail without saying why).</summary>
public sealed class ToolInputException(string message) : Exception(message);

/// <summary>Options of one call besides its arguments.</summary>
public sealed record ToolCallOptions
{
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public string? StandardInput { get; init; }
    /// <summary>When false, a non-zero exit is returned as a result instead of thrown.</summary>
    public bool RequireSuccess { get; init; } = true;

    /// <summary>
    /// When set, cancelling the call sends the tool SIGINT and gives it this long to finish on its own (helm upgrade
    /// --rollback-on-failure rolls the release back when interrupted) before it is killed; otherwise it is killed at once.
    /// </summary>
    public TimeSpan? GracefulCancellation { get; init; }
    public TimeSpan? Timeout { get; init; }
}

/// <summary>Runs a resolved tool with CliWrap: arguments as a list (never a shell line), logged redacted with duration.</summary>
public abstract class ToolWrapper(ResolvedTool tool)
{
    public ResolvedTool Tool { get; } = tool;

    /// <summary>How often a long tool call says it is still running (which call, for how long): a quiet minute reads as a hang.</summary>
    public static TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    async Task Heartbeat(string shown, Stopwatch clock, CancellationToken finished)
    {
        var what = shown.Length > 100 ? shown[..99] + "…" : shown;
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatInterval, finished);
                Log.Information("  {Tool} still running after {Duration}: {Arguments}", Tool.Name, FormatDuration(clock.Elapsed), what);
            }
        }
        catch (OperationCanceledException) { }
    }

    protected async Task<ToolResult> RunAsync(IReadOnlyList<string> arguments, ToolCallOptions? options, CancellationToken cancellation)
    {
        options ??= new ToolCallOptions();
        var shown = Redactor.Redact(string.Join(' ', arguments.Select(Quote)));
        Log.Information("→ {Tool} {Arguments}", Tool.Name, shown);
        var command = Cli.Wrap(Tool.Path).WithArguments(arguments).WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(options.Environment.ToDictionary(kv => kv.Key, kv => kv.Value));
        if (options.WorkingDirectory is not null) command = command.WithWorkingDirectory(options.WorkingDirectory);
        if (options.StandardInput is not null) command = command.WithStandardInputPipe(PipeSource.FromString(options.StandardInput));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (options.Timeout is { } limit) timeout.CancelAfter(limit);
        var clock = Stopwatch.StartNew();
        BufferedCommandResult raw;
        int? pid = null;
        using var forceful = new CancellationTokenSource();
        using var whenCancelled = options.GracefulCancellation is { } grace
            ? timeout.Token.Register(() => forceful.CancelAfter(grace)) : timeout.Token.Register(forceful.Cancel);
        using var finished = new CancellationTokenSource();
        try
        {
            var running = command.ExecuteBufferedAsync(System.Text.Encoding.UTF8, System.Text.Encoding.UTF8, forceful.Token, timeout.Token);
            pid = running.ProcessId;
            _ = Heartbeat(shown, clock, finished.Token);
            raw = await running;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new ToolFailedException(new ToolResult(Tool.Name, arguments, -1, "", "timed out", clock.Elapsed),
                $"{Tool.Name} {arguments.FirstOrDefault()} timed out after {options.Timeout}.");
        }
        finally { finished.Cancel(); }
        var result = new ToolResult(Tool.Name, arguments, raw.ExitCode, raw.StandardOutput, raw.StandardError, clock.Elapsed) { ProcessId = pid };
        Log.Debug("{Tool} exit {ExitCode} in {Duration} ms\n{Output}", Tool.Name, result.ExitCode, (long)result.Duration.TotalMilliseconds,
            Redactor.Redact(Tail(result.StandardOutput + result.StandardError, 60)));
        Log.Information("  {Tool} finished in {Duration} (exit {ExitCode})", Tool.Name, FormatDuration(result.Duration), result.ExitCode);
        if (options.RequireSuccess && !result.Succeeded)
            throw new ToolFailedException(result, Redactor.Redact(result.Failure));
        return result;
    }

    /// <summary>Runs the tool with its standard output written to <paramref name="outputFile"/> as bytes (binary output, e.g. a tar stream).</summary>
    protected async Task<ToolResult> RunToFileAsync(IReadOnlyList<string> arguments, string outputFile, CancellationToken cancellation)
    {
        Log.Information("→ {Tool} {Arguments} > {File}", Tool.Name, Redactor.Redact(string.Join(' ', arguments.Select(Quote))), Path.GetFileName(outputFile));
        var clock = Stopwatch.StartNew();
        var stderr = new System.Text.StringBuilder();
        CommandResult raw;
        await using (var output = File.Create(outputFile))
            raw = await Cli.Wrap(Tool.Path).WithArguments(arguments).WithValidation(CommandResultValidation.None)
                .WithStandardOutputPipe(PipeTarget.ToStream(output)).WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .ExecuteAsync(cancellation);
        var result = new ToolResult(Tool.Name, arguments, raw.ExitCode, "", stderr.ToString(), clock.Elapsed);
        if (!result.Succeeded)
            throw new ToolFailedException(result, Redactor.Redact($"{Tool.Name} {arguments.FirstOrDefault()} failed (exit {result.ExitCode}): {result.LastErrorLine}"));
        return result;
    }

    static string Quote(string a) => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a;

    static string FormatDuration(TimeSpan d) => d.TotalSeconds < 1 ? $"{d.TotalMilliseconds:0} ms" : $"{d.TotalSeconds:0.0} s";

    static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
