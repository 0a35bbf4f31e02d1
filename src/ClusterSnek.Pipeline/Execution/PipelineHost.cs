using Serilog;

namespace ClusterSnek.Pipeline;

/// <summary>One invocation: parse, bind, validate, then help, plan, or run, and report.</summary>
internal sealed class PipelineHost(PipelineBuild build, TextWriter console, Func<string, string?> environment, string? defaultTarget, AbsolutePath root, CancellationToken external = default)
{
    public const int UsageError = 2;
    public const int Cancelled = 130;

    /// <summary>
    /// The boundary: an input or environment fault is one line and exit 2; anything else is one line naming where its stack
    /// trace went (artifacts/logs/error.log) and exit 1. No stack trace reaches the console.
    /// </summary>
    public int Run(string[] args)
    {
        try { return RunChecked(args); }
        catch (UsageException e)
        {
            console.WriteLine("error: " + Redactor.Redact(e.Message));
            return UsageError;
        }
        catch (Exception e)
        {
            console.WriteLine("error: " + Fault.Describe(e, root));
            return 1;
        }
    }

    int RunChecked(string[] args)
    {
        var parameters = ParameterDescriptor.Discover(build.GetType());
        var binder = new ParameterBinder(parameters, environment);
        var graph = TargetGraph.Discover(build);
        var commandLine = CommandLine.Parse(args, parameters);
        binder.Bind(build, commandLine.Options, root / ".nuke" / "parameters.json");

        if (build.Help) { HelpText.Write(console, graph, parameters, build, binder.Sources); return 0; }

        var record = new RunRecord
        {
            Requested = [.. commandLine.Targets, .. build.Target ?? []],
            Commit = Git("rev-parse", "HEAD"),
            Branch = Git("rev-parse", "--abbrev-ref", "HEAD"),
        };
        build.Attach(record, binder.Sources);
        foreach (var p in parameters)
            record.Parameters[p.Name] = p.IsSecret ? (p.GetValue(build) is null ? null : Redactor.Mask) : Display(p.GetValue(build));

        var requested = record.Requested.Count > 0 ? record.Requested : defaultTarget is null ? [] : [defaultTarget];
        if (requested.Count == 0)
        {
            HelpText.Write(console, graph, parameters, build, binder.Sources);
            console.WriteLine("No target given: name one, e.g. ./build.sh Compile");
            return UsageError;
        }

        var plan = graph.Plan(requested, build.Skip);
        // The build's own checks of its inputs (clustersnek.yaml, --env) hold for a plan too: a plan of a broken manifest is no plan.
        build.ParametersBound();
        // Every run records pipeline.json and its logs under artifacts/; one that cannot is refused before anything runs.
        var artifacts = root / "artifacts";
        if (Fault.CannotWrite(artifacts) is { } why)
            throw new UsageException($"{artifacts.RelativeTo(root)}/ cannot be written ({why}): "
                + "every run records pipeline.json and its logs there. Make it writable for this user (chmod u+w; chattr -i when it is immutable) "
                + "and run again; nothing ran, and no stack trace was kept.");

        if (build.Plan)
        {
            var html = PlanPage.Write(plan, artifacts / "plan.html");
            PlanPage.WriteText(console, plan);
            console.WriteLine($"Plan written to {html.RelativeTo(root)}");
            return 0;
        }

        CheckRequirements(plan);
        SchemaWriter.WriteIfChanged(build.GetType(), graph, root / ".nuke" / "build.schema.json");

        // One run per checkout (#11): runs share artifacts/, pipeline.json and the embedded registry, so a second one waits here.
        RunLock runLock;
        try { runLock = RunLock.Acquire(root / ".nuke" / "temp", requested, build.NoWait, build.LockTimeout, console, external); }
        catch (OperationCanceledException)
        {
            console.WriteLine("Cancelled while waiting for the other run in this checkout; nothing ran.");
            return Cancelled;
        }
        record.StartedAt = DateTimeOffset.UtcNow;
        try { return Execute(plan, record); }
        finally { runLock.Dispose(); }
    }

    int Execute(ExecutionPlan plan, RunRecord record)
    {
        var output = new TargetOutput(console);
        var artifacts = root / "artifacts";
        Log.Logger = PipelineBuild.CreateLogger(output, artifacts / "logs" / "pipeline.log", build.Verbose, out var fileSink);
        RunRecord.Current = record;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(external);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return; // a second ctrl-C ends the process
            e.Cancel = true;
            console.WriteLine("Cancelling: running targets are asked to stop; the report still runs.");
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // A kill (SIGTERM: CI cancelling a job, systemd, kill PID) stops the run the way a first Ctrl-C does, so a deploy in
        // flight ends consistent; SIGKILL cannot be caught, and the next run recovers from it.
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            if (cancellation.IsCancellationRequested) return;
            signal.Cancel = true;
            console.WriteLine("Terminating (SIGTERM): running targets are asked to stop; the report still runs.");
            cancellation.Cancel();
        });
        var pipelineJson = artifacts / "pipeline.json";
        try
        {
            record.CarryFrom(pipelineJson);
            record.ReadsOf = target => plan.Ordered.FirstOrDefault(n => n.Name == target)?.Definition.ReadSections.Select(s => s.Name).ToList() ?? [];
            Log.Information("ClusterSnek: {Targets} ({Count} targets planned)", string.Join(", ", record.Requested), plan.Ordered.Count);
            var cacheKey = build.NoCache ? null : ClusterSnek.Pipeline.CacheKey.Resolve(build.CacheKey, environment, root);
            build.Seal = cacheKey is null ? null : new ResultSeal(cacheKey);
            var cache = build.NoCache ? null : new TargetCache(root, root / ".nuke" / "cache", cacheKey);
            var executor = new Executor(plan, output, cache, record, build.MaxParallel, () => WriteRecord(record, pipelineJson), build.Explain)
            {
                Store = cacheKey is null || cache is null ? null : new EntryStore(root / ".nuke" / "cache" / "entries", cacheKey, build.CacheSizeLimit * 1024L * 1024L),
                Shared = cache is null || !plan.Ordered.Any(n => n.Definition.IsShareable) ? null : build.SharedCache(),
            };
            executor.RunAsync(cancellation.Token).GetAwaiter().GetResult();
            try { build.RunFinished(); }
            catch (Exception e) { Log.Warning("Cleanup after the run failed: {Message}", e.Message); }

            var exit = cancellation.IsCancellationRequested ? Cancelled
                : record.Targets.Any(t => t.Status is TargetStatus.Failed or TargetStatus.NotRun) ? 1 : 0;
            record.ExitCode = exit;
            record.FinishedAt = DateTimeOffset.UtcNow;
            WriteRecord(record, pipelineJson);
            KeepInHistory(pipelineJson, artifacts / "runs", record.Number);
            Summary.Write(console, plan, record);
            return exit;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            RunRecord.Current = null;
            Log.CloseAndFlush();
            fileSink?.Dispose();
        }
    }

    /// <summary>How many earlier records artifacts/runs/ keeps.</summary>
    public const int HistoryLength = 20;

    /// <summary>Copies the finished record to artifacts/runs/&lt;n&gt;/pipeline.json and keeps the last <see cref="HistoryLength"/> runs.</summary>
    static void KeepInHistory(AbsolutePath pipelineJson, AbsolutePath runs, int number)
    {
        try
        {
            var folder = (runs / number.ToString(System.Globalization.CultureInfo.InvariantCulture)).CreateDirectory();
            File.Copy(pipelineJson, folder / "pipeline.json", overwrite: true);
            var old = Directory.GetDirectories(runs)
                .Select(d => (Path: d, N: int.TryParse(Path.GetFileName(d), out var n) ? n : int.MaxValue))
                .Where(d => d.N <= number - HistoryLength).ToList();
            foreach (var (path, _) in old) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warning("Could not keep this run's record under {Runs}: {Reason}", runs, e.Message);
        }
    }

    bool recordUnwritable;

    /// <summary>Writes pipeline.json; a folder that stops being writable mid-run is said once, and the run goes on.</summary>
    void WriteRecord(RunRecord record, AbsolutePath pipelineJson)
    {
        try { record.Write(pipelineJson); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (recordUnwritable) return;
            recordUnwritable = true;
            Log.Warning("{File} could not be written ({Reason}); this run's record is incomplete", pipelineJson, e.Message);
        }
    }

    void CheckRequirements(ExecutionPlan plan)
    {
        var problems = plan.Ordered
            .Where(n => !plan.Skipped.Contains(n) && n.Definition.StaticConditions.All(c => c.Evaluate()))
            .SelectMany(n => n.Definition.Requirements.Select(r => (n, problem: r.Check())))
            .Where(x => x.problem is not null)
            .Select(x => $"{x.n.Name} needs {x.problem}")
            .Distinct()
            .ToList();
        if (problems.Count > 0) throw new UsageException(string.Join(Environment.NewLine + "error: ", problems));
    }

    static object? Display(object? value) => value switch
    {
        null => null,
        AbsolutePath p => p.Value,
        Enum e => e.ToString(),
        string[] a => a,
        Array a => a.Cast<object>().Select(o => o.ToString()).ToArray(),
        _ => value,
    };

    string? Git(params string[] args) => GitQuery.Read(root, args);
}
