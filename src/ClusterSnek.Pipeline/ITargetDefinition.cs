using System.Runtime.CompilerServices;

namespace ClusterSnek.Pipeline;

/// <summary>The fluent surface a target body uses to describe itself.</summary>
public interface ITargetDefinition
{
    ITargetDefinition Description(string text);
    ITargetDefinition DependsOn(params Target[] targets);
    ITargetDefinition After(params Target[] targets);
    ITargetDefinition Before(params Target[] targets);
    ITargetDefinition Triggers(params Target[] targets);
    ITargetDefinition TriggeredBy(params Target[] targets);

    /// <summary>Decided once, before anything runs; the condition's source text is the skip reason.</summary>
    ITargetDefinition OnlyWhenStatic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? text = null);

    /// <summary>Decided when the target is about to run, after its dependencies.</summary>
    ITargetDefinition OnlyWhenDynamic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? text = null);

    /// <summary>A parameter that must have a value; checked before any target runs.</summary>
    ITargetDefinition Requires<T>(Func<T?> parameter, [CallerArgumentExpression(nameof(parameter))] string? text = null);

    /// <summary>A precondition (a tool, a file) checked before any target runs.</summary>
    ITargetDefinition Requires(IRequirement requirement);

    ITargetDefinition ProceedAfterFailure();
    ITargetDefinition AssuredAfterFailure();
    ITargetDefinition Unlisted();

    /// <summary>Closes every run, after all other targets, even after a failure (the report, the audit check).</summary>
    ITargetDefinition AlwaysLast();

    /// <summary>Files (globs relative to the root) whose content decides whether the target is cached.</summary>
    ITargetDefinition Inputs(params string[] globs);

    /// <summary>Values (parameters, tool versions) that decide whether the target is cached.</summary>
    ITargetDefinition Inputs(Func<IEnumerable<string?>> values, [CallerArgumentExpression(nameof(values))] string? text = null);

    /// <summary>Files or folders that must still exist for a cached result to count.</summary>
    ITargetDefinition Outputs(params string[] paths);

    /// <summary>Outputs known only when the run starts (e.g. one folder per project found).</summary>
    ITargetDefinition Outputs(Func<IEnumerable<string>> paths);

    /// <summary>
    /// Sections of pipeline.json the target reads: it runs after each section's writer when both are in the run, and reads
    /// the last run's value (said in the log) when the writer is not.
    /// </summary>
    /// <summary>
    /// The target's entry may be kept in .nuke/cache/entries and shared through the shared cache (--cache REF): its key holds
    /// nothing particular to this checkout or machine, and its declared outputs (files under artifacts/) are all it leaves behind
    /// besides what it recorded.
    /// </summary>
    ITargetDefinition Shareable();

    ITargetDefinition Reads(params ClusterSnek.Record.ISection[] sections);

    /// <summary>
    /// A check of a replayed (cached) result against the world before anything downstream uses it, e.g. "the recorded digest is
    /// still what the tag points at": a non-null answer is the reason the replay is refused; the target then runs.
    /// </summary>
    ITargetDefinition ChecksReplay(Func<CancellationToken, Task<string?>> check);

    ITargetDefinition Executes(Action action);
    ITargetDefinition Executes(Func<Task> action);
    ITargetDefinition Executes(Func<CancellationToken, Task> action);
}

/// <summary>A precondition checked before any target runs; null from <see cref="Check"/> means satisfied.</summary>
public interface IRequirement
{
    string Name { get; }
    string? Check();
}
