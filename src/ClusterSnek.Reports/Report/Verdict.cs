using System.Text.Json.Nodes;

namespace ClusterSnek.Reports;

/// <summary>Can this run's output ship? Blocked by any failure; incomplete while evidence is missing; shippable otherwise.</summary>
public sealed record Verdict(string State, IReadOnlyList<string> Reasons, IReadOnlyList<string> Caveats)
{
    public const string Shippable = "shippable", Blocked = "blocked", Incomplete = "incomplete";

    static readonly string[] Closing = ["Report", "VerifyAudit", "PublishGitHub"];

    public string Headline => State switch
    {
        Shippable => "Shippable",
        Blocked => "Blocked",
        _ => "Not shippable yet",
    };

    /// <summary>One line: the state and its first reason.</summary>
    public string Summary => State == Shippable
        ? "Shippable: images built, signed, scanned and within policy."
        : $"{Headline}: {(Reasons.Count > 0 ? Reasons[0] : "no reason recorded")}";

    public static Verdict Of(JsonNode pipeline)
    {
        var blocked = new List<string>();
        var missing = new List<string>();
        var caveats = new List<string>();
        foreach (var t in pipeline.Objects("targets"))
        {
            var name = t.Str("name") ?? "?";
            var reason = t.Str("reason");
            switch (t.Str("status"))
            {
                case "Failed": blocked.Add($"{name} failed: {reason}"); break;
                case "NotRun" when !Closing.Contains(name): blocked.Add($"{name} did not run: {reason}"); break;
            }
        }
        if (pipeline.Long("run", "exitCode") is { } exit and not 0 && blocked.Count == 0) blocked.Add($"the run exited with code {exit}");

        var images = pipeline.Objects("images").ToList();
        if (images.Count == 0) missing.Add("no images were built in this pipeline");
        foreach (var image in images)
        {
            var service = image.Str("service") ?? "?";
            if (image.At("signature") is null) missing.Add($"{service} is not signed");
            var gate = Gate.Of(image.At("scan"));
            if (gate.State == Gate.Failed) blocked.Add($"scan gate blocked {service}: {gate.Reason}");
            else if (gate.State == Gate.Unknown) missing.Add($"{service} has no scan gate decision");
            if (image.Str("scan", "vulnerabilityScan") is { } v && v.StartsWith("not run", StringComparison.OrdinalIgnoreCase))
                caveats.Add($"{service}: vulnerability scan {v}");
        }
        if (Gate.Of(pipeline.At("scan")).State == Gate.Failed) blocked.Add($"scan gate: {Gate.Of(pipeline.At("scan")).Reason}");

        var policies = pipeline.Objects("policies").ToList();
        if (policies.Count == 0) missing.Add("policies were not evaluated in this pipeline");
        foreach (var p in policies)
            if (p.Long("failed") is > 0 and var failed)
                blocked.Add($"policies for {PolicyEnvironment(p)}: {failed} failed");

        foreach (var v in pipeline.Objects("verification"))
            if (Status.IsFailure(v.Str("status")))
                blocked.Add($"verification {v.Str("check")} failed: {v.Str("evidence")}");
        if (pipeline.At("deployment", "rollback") is JsonObject rollback && rollback.Count > 0)
            blocked.Add($"the deployment was rolled back{(rollback.Str("reason") is { } r ? ": " + r : "")}");

        if (blocked.Count > 0) return new Verdict(Blocked, blocked, [.. missing, .. caveats]);
        if (missing.Count > 0) return new Verdict(Incomplete, missing, caveats);
        return new Verdict(Shippable, [], caveats);
    }

    internal static string PolicyEnvironment(JsonNode p) => p.FirstStr("environment", "env", "name") ?? "?";
}

/// <summary>A scan gate decision, read from either a string ("passed") or an object ({passed, reason}).</summary>
internal sealed record Gate(string State, string? Reason)
{
    public const string Passed = "passed", Failed = "failed", Unknown = "unknown";

    public static Gate Of(JsonNode? scan)
    {
        var gate = scan.At("gate");
        if (gate is JsonValue)
        {
            var text = gate.Str() ?? "";
            return new Gate(Status.IsFailure(text) ? Failed : Status.IsSuccess(text) ? Passed : Unknown, scan.FirstStr("gateReason", "reason") ?? text);
        }
        if (gate is JsonObject o)
        {
            var passed = o.Bool("passed") ?? (Status.IsSuccess(o.FirstStr("decision", "status", "state")) ? true : Status.IsFailure(o.FirstStr("decision", "status", "state")) ? false : null);
            var reason = o.FirstStr("reason", "message", "decision");
            return new Gate(passed switch { true => Passed, false => Failed, null => Unknown }, reason);
        }
        return new Gate(Unknown, null);
    }
}

/// <summary>Status words used by the stages, mapped to success/failure.</summary>
internal static class Status
{
    public static bool IsFailure(string? s) => s?.ToLowerInvariant() is "failed" or "fail" or "blocked" or "error" or "false" or "denied";
    public static bool IsSuccess(string? s) => s?.ToLowerInvariant() is "passed" or "pass" or "ok" or "succeeded" or "success" or "true" or "allowed";
}
