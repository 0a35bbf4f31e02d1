namespace ClusterSnek.Pipeline;

internal sealed record Condition(Func<bool> Evaluate, string Text);

internal sealed record ParameterRequirement(Func<object?> Value, string Text) : IRequirement
{
    public string Name => Text;

    public string? Check()
    {
        var value = Value();
        var missing = value is null
            || (value is string s && string.IsNullOrWhiteSpace(s))
            || (value is System.Collections.ICollection c && c.Count == 0);
        var name = ParameterNames.FromExpression(Text);
        return missing ? $"parameter --{ParameterNames.ToKebab(name)}: pass --{ParameterNames.ToKebab(name)} <value> or set {ParameterNames.ToEnvironment(name)}" : null;
    }
}

internal sealed class TargetDefinition : ITargetDefinition
{
    public string? DescriptionText { get; private set; }
    public List<Target> Dependencies { get; } = [];
    public List<Target> AfterTargets { get; } = [];
    public List<Target> BeforeTargets { get; } = [];
    public List<Target> TriggerTargets { get; } = [];
    public List<Target> TriggeredByTargets { get; } = [];
    public List<Condition> StaticConditions { get; } = [];
    public List<Condition> DynamicConditions { get; } = [];
    public List<IRequirement> Requirements { get; } = [];
    public bool Proceed { get; private set; }
    public bool Assured { get; private set; }
    public bool IsUnlisted { get; private set; }
    public bool IsAlwaysLast { get; private set; }
    public List<string> InputGlobs { get; } = [];
    public List<(Func<IEnumerable<string?>> Values, string Text)> InputValues { get; } = [];
    public List<Func<IEnumerable<string>>> OutputPaths { get; } = [];
    public List<Func<CancellationToken, Task>> Actions { get; } = [];
    public List<ISection> ReadSections { get; } = [];
    public List<Func<CancellationToken, Task<string?>>> ReplayChecks { get; } = [];

    public ITargetDefinition Description(string text) { DescriptionText = text; return this; }
    public ITargetDefinition DependsOn(params Target[] targets) { Dependencies.AddRange(targets); return this; }
    public ITargetDefinition After(params Target[] targets) { AfterTargets.AddRange(targets); return this; }
    public ITargetDefinition Before(params Target[] targets) { BeforeTargets.AddRange(targets); return this; }
    public ITargetDefinition Triggers(params Target[] targets) { TriggerTargets.AddRange(targets); return this; }
    public ITargetDefinition TriggeredBy(params Target[] targets) { TriggeredByTargets.AddRange(targets); return this; }

    public ITargetDefinition OnlyWhenStatic(Func<bool> condition, string? text = null)
    { StaticConditions.Add(new Condition(condition, text ?? "condition")); return this; }

    public ITargetDefinition OnlyWhenDynamic(Func<bool> condition, string? text = null)
    { DynamicConditions.Add(new Condition(condition, text ?? "condition")); return this; }

    public ITargetDefinition Requires<T>(Func<T?> parameter, string? text = null)
    { Requirements.Add(new ParameterRequirement(() => parameter(), text ?? "parameter")); return this; }

    public ITargetDefinition Requires(IRequirement requirement) { Requirements.Add(requirement); return this; }
    public ITargetDefinition ProceedAfterFailure() { Proceed = true; return this; }
    public ITargetDefinition AssuredAfterFailure() { Assured = true; return this; }
    public ITargetDefinition Unlisted() { IsUnlisted = true; return this; }
    public ITargetDefinition AlwaysLast() { IsAlwaysLast = true; Assured = true; return this; }
    public ITargetDefinition Inputs(params string[] globs) { InputGlobs.AddRange(globs); return this; }

    public ITargetDefinition Inputs(Func<IEnumerable<string?>> values, string? text = null)
    { InputValues.Add((values, text ?? "values")); return this; }

    public ITargetDefinition Outputs(params string[] paths) { OutputPaths.Add(() => paths); return this; }
    public ITargetDefinition Outputs(Func<IEnumerable<string>> paths) { OutputPaths.Add(paths); return this; }

    public bool IsShareable { get; private set; }
    public ITargetDefinition Shareable() { IsShareable = true; return this; }

    public ITargetDefinition Reads(params ISection[] sections) { ReadSections.AddRange(sections); return this; }
    public ITargetDefinition ChecksReplay(Func<CancellationToken, Task<string?>> check) { ReplayChecks.Add(check); return this; }

    public ITargetDefinition Executes(Action action)
    { Actions.Add(_ => { action(); return Task.CompletedTask; }); return this; }

    public ITargetDefinition Executes(Func<Task> action) { Actions.Add(_ => action()); return this; }
    public ITargetDefinition Executes(Func<CancellationToken, Task> action) { Actions.Add(action); return this; }

    public bool IsCacheable => InputGlobs.Count > 0 || InputValues.Count > 0;
}
