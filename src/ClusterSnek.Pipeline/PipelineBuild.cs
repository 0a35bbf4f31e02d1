using System.Linq.Expressions;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ClusterSnek.Pipeline;

/// <summary>Base of a build class: engine parameters, well-known paths, and the entry point that runs a request.</summary>
public abstract class PipelineBuild
{
    [Parameter("Run at most this many targets at the same time", Minimum = 1)]
    public int MaxParallel { get; set; } = Environment.ProcessorCount;

    [Parameter("Run every target even when its inputs did not change")]
    public bool NoCache { get; set; }

    [Parameter("Key that seals the cache entries in .nuke/cache (HMAC); default: ~/.clustersnek/cache-key, made on first use. On CI pass it from a secret")]
    [Secret]
    public string? CacheKey { get; set; }

    [Parameter("Most megabytes the kept cache entries in .nuke/cache may take; beyond it the least recently used are deleted", Minimum = 1)]
    public int CacheSizeLimit { get; set; } = 1024;

    /// <summary>
    /// The shared cache this run reads and writes (e.g. an OCI repository, --cache REF), or null for none; called once per run,
    /// before the first target. Entries of <see cref="ITargetDefinition.Shareable"/> targets go there.
    /// </summary>
    protected virtual ISharedCache? OpenSharedCache() => null;

    internal ISharedCache? SharedCache() => OpenSharedCache();

    /// <summary>Seals the results stages keep across runs (<see cref="ResultSeal"/>); null without a cache key or with --no-cache.</summary>
    protected internal ResultSeal? Seal { get; internal set; }

    [Parameter("Skip these targets; with no value, skip every target that was not named")]
    public string[]? Skip { get; set; }

    [Parameter("Targets to run (same as naming them first on the command line)")]
    public string[]? Target { get; set; }

    [Parameter("Print the execution order and write artifacts/plan.html; run nothing")]
    public bool Plan { get; set; }

    [Parameter("Print the targets and parameters")]
    public bool Help { get; set; }

    [Parameter("Also print debug output (every tool call's full output) to the console")]
    public bool Verbose { get; set; }

    [Parameter("Refuse at once (exit 2) when another run is using this checkout, instead of waiting for it to finish")]
    public bool NoWait { get; set; }

    [Parameter("Wait at most this many seconds for another run in this checkout to finish (default: as long as it takes)", Minimum = 0)]
    public int? LockTimeout { get; set; }

    /// <summary>The repository root: the folder holding .nuke/ (or CLUSTERSNEK_ROOT).</summary>
    public static AbsolutePath RootDirectory { get; } = FindRoot();

    public static AbsolutePath ArtifactsDirectory => RootDirectory / "artifacts";
    public static AbsolutePath ParametersFile => RootDirectory / ".nuke" / "parameters.json";

    /// <summary>The record of this run, written to artifacts/pipeline.json.</summary>
    public RunRecord Run { get; private set; } = new();

    /// <summary>Where each parameter's value came from.</summary>
    public IReadOnlyDictionary<string, ParameterSource> ParameterSources { get; private set; } = new Dictionary<string, ParameterSource>();

    /// <summary>Called after parameters are bound and before anything runs; throw <see cref="UsageException"/> to refuse.</summary>
    protected virtual void OnParametersBound() { }

    /// <summary>Called when the run has finished, before the summary (e.g. to stop a registry the run started).</summary>
    protected virtual void OnRunFinished() { }

    /// <summary>
    /// Called when a target fails: return the real cause in one line when the error is only its symptom (a dependency of the run
    /// died, e.g. "the embedded registry (pid 123) stopped during Scan; ..." instead of a tool's "unexpected EOF"), else null.
    /// </summary>
    protected virtual string? ExplainFailure(string target, Exception error) => null;

    static AbsolutePath FindRoot()
    {
        if (Environment.GetEnvironmentVariable("CLUSTERSNEK_ROOT") is { Length: > 0 } root) return new AbsolutePath(root);
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".nuke"))) return new AbsolutePath(dir.FullName);
        return new AbsolutePath(Environment.CurrentDirectory);
    }

    /// <summary>Runs the build for these arguments and returns the process exit code.</summary>
    public static int Execute<T>(string[] args, Expression<Func<T, Target>>? defaultTarget = null) where T : PipelineBuild, new()
    {
        // Last line of defence for a fault on another thread: the runtime would print a stack trace and abort with 134.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            Console.Out.WriteLine("error: " + Fault.Describe(e.ExceptionObject as Exception ?? new InvalidOperationException("unknown fault"), RootDirectory));
            Console.Out.Flush();
            Environment.Exit(1);
        };
        return Execute(new T(), args, Console.Out, Environment.GetEnvironmentVariable, DefaultName(defaultTarget));
    }

    static string? DefaultName<T>(Expression<Func<T, Target>>? e) => (e?.Body as MemberExpression)?.Member.Name;

    internal static int Execute(PipelineBuild build, string[] args, TextWriter console, Func<string, string?> environment, string? defaultTarget,
        AbsolutePath? root = null, CancellationToken cancellation = default)
        => new PipelineHost(build, console, environment, defaultTarget, root ?? RootDirectory, cancellation).Run(args);

    internal void Attach(RunRecord record, IReadOnlyDictionary<string, ParameterSource> sources)
    {
        Run = record;
        ParameterSources = sources;
    }

    internal void ParametersBound() => OnParametersBound();
    internal void RunFinished() => OnRunFinished();

    internal string? Explain(string target, Exception error)
    {
        try { return ExplainFailure(target, error); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException) { return null; }
    }

    internal static ILogger CreateLogger(TargetOutput output, AbsolutePath? logFile, bool verbose, out IDisposable? fileSink)
    {
        var config = new LoggerConfiguration().MinimumLevel.Debug()
            .Enrich.With(new TargetEnricher())
            .WriteTo.Sink(new ConsoleSink(output), verbose ? LogEventLevel.Debug : LogEventLevel.Information);
        fileSink = null;
        if (logFile is not null)
        {
            var sink = new RedactingFileSink(new CompactJsonFormatter(), logFile);
            config = config.WriteTo.Sink(sink);
            fileSink = sink;
        }
        return config.CreateLogger();
    }
}
