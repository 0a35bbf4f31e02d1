using ClusterSnek.Charts;
using Serilog;

namespace ClusterSnek.Policies;

/// <summary>An environment to check: its name, namespace and values file.</summary>
public sealed record PolicyEnvironment(string Name, string Namespace, string ValuesFile);

/// <summary>Everything PolicyTest needs; either the chart per environment or a user's own manifests.</summary>
public sealed record PolicyTestRequest(
    string ChartDirectory, string Release, IReadOnlyList<PolicyEnvironment> Environments, IReadOnlyList<string> UserValues,
    string? Manifests, IReadOnlyList<ServiceImage> Images, string? ImageRegistry, string OutputDirectory);

/// <summary>The run failed policies; the message carries the violations table.</summary>
public sealed class PolicyViolationException(string message, IReadOnlyList<PolicyResult> results) : Exception(message)
{
    public IReadOnlyList<PolicyResult> Results { get; } = results;
}

/// <summary>PolicyTest: render (or take the user's manifests), evaluate, write results, fail with a table when anything is violated.</summary>
public sealed class PolicyGate(ChartRenderer renderer, PolicyEvaluator evaluator)
{
    public async Task<IReadOnlyList<PolicyResult>> RunAsync(PolicyTestRequest request, Action<IReadOnlyList<PolicyEnvironmentResult>> record, CancellationToken cancellation = default)
    {
        foreach (var file in request.UserValues) ValuesFile.Check(file);
        var placeholder = request.Images.Any(i => i.IsPlaceholder);
        if (placeholder && request.Manifests is null)
            Log.Warning("No image digests from this run for {Services}: rendering with the PLACEHOLDER digest {Digest} (run BuildImages first for the real ones)",
                string.Join(", ", request.Images.Where(i => i.IsPlaceholder).Select(i => i.Service)), ServiceImage.PlaceholderDigest);

        var targets = new List<(string Name, string Manifests)>();
        if (request.Manifests is not null) targets.Add(("manifests", request.Manifests));
        else
            foreach (var env in request.Environments)
            {
                var file = Path.Combine(request.OutputDirectory, env.Name, "manifests.yaml");
                await renderer.RenderAsync(new RenderRequest(request.ChartDirectory, request.Release, env.Namespace, [env.ValuesFile, .. request.UserValues],
                    request.Images, request.ImageRegistry), file, cancellation);
                targets.Add((env.Name, file));
            }

        // Environments are independent scans; trivy is single-threaded for most of a scan, so they run side by side.
        var evaluated = await Task.WhenAll(targets.Select(t => evaluator.EvaluateAsync(t.Name, t.Manifests, placeholder && request.Manifests is null, cancellation)));
        var results = new List<PolicyResult>();
        var summaries = new List<PolicyEnvironmentResult>();
        foreach (var result in evaluated)
        {
            var name = result.Environment;
            var json = Path.Combine(request.OutputDirectory, name + ".json");
            await PolicyReport.WriteAsync(result, json, Path.Combine(request.OutputDirectory, name + ".sarif"), cancellation);
            Log.Information("{Env}: {Run} checks, {Passed} passed, {Failed} failed, {Exceptions} exception(s) used",
                name, result.ChecksRun, result.Passed, result.Failed, result.ExceptionsUsed.Count);
            results.Add(result);
            var root = Path.GetDirectoryName(request.OutputDirectory)!;
            summaries.Add(PolicyReport.Summary(result, Path.GetRelativePath(root, json), Path.GetRelativePath(root, Path.Combine(request.OutputDirectory, name + ".sarif"))));
        }
        record(summaries);

        var failing = results.Where(r => !r.Succeeded).ToList();
        if (failing.Count > 0)
        {
            foreach (var r in failing) Log.Error("Policy violations in {Env}:\n{Table}", r.Environment, PolicyReport.Table(r));
            var first = failing[0].Violations[0];
            var ids = failing.SelectMany(r => r.Violations).Select(v => v.PolicyId).Distinct().Order(StringComparer.Ordinal).ToList();
            throw new PolicyViolationException(
                $"{string.Join(", ", failing.Select(r => $"{r.Environment} {r.Violations.Count} violation(s)"))} of {string.Join(", ", ids)}; " +
                $"first: {first.PolicyId} {first.Resource} {first.Field}: {first.Message}. Fix: {first.Fix}", results);
        }
        return results;
    }
}
