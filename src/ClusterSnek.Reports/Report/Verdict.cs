using ClusterSnek.Record;

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

    public static Verdict Of(PipelineDocument doc)
    {
        var evidence = new Evidence();
        foreach (var t in doc.Targets)
        {
            var reason = string.IsNullOrEmpty(t.Reason) ? "" : ": " + t.Reason;
            if (t.Status == TargetStatus.Failed) evidence.Blocked.Add($"{t.Name} failed{reason}");
            else if (t.Status == TargetStatus.NotRun && !Closing.Contains(t.Name)) evidence.Blocked.Add($"{t.Name} did not run{reason}");
        }
        if (doc.Run.ExitCode is { } exit and not 0 && evidence.Blocked.Count == 0) evidence.Blocked.Add($"the run exited with code {exit}");

        Images(doc, evidence);
        Policies(doc, evidence);
        Release(doc, evidence);
        if (doc.Tests is { Failed: > 0 } tests)
            evidence.Blocked.Add($"{tests.Failed} test(s) failed: {string.Join(", ", tests.FailedTests.Take(3))}");
        if (doc.Audit is { Intact: false } audit)
            evidence.Blocked.Add($"the audit log {audit.File} is broken: {audit.Problems.FirstOrDefault() ?? "no problem named"}");
        var carried = doc.Carried.Where(c => Sections.Named(c.Section) is { } s && doc.Get(s) is not null).ToList();
        foreach (var (names, plural, label) in SectionSource.Grouped(carried))
        {
            var otherCommit = carried.Any(c => SectionSource.Label(c) == label && c.Commit is not null && doc.Run.Commit is not null
                && c.Commit != doc.Run.Commit);
            evidence.Caveats.Add($"{names} {(plural ? "are" : "is")} {label}, not from this run" + (otherCommit ? ", at another commit" : ""));
        }

        var blocked = evidence.Blocked.Distinct().ToList();
        var missing = evidence.Missing.Distinct().ToList();
        var caveats = evidence.Caveats.Distinct().ToList();
        if (blocked.Count > 0) return new Verdict(Blocked, blocked, [.. missing, .. caveats]);
        if (missing.Count > 0) return new Verdict(Incomplete, missing, caveats);
        return new Verdict(Shippable, [], caveats);
    }

    sealed class Evidence
    {
        public List<string> Blocked { get; } = [];
        public List<string> Missing { get; } = [];
        public List<string> Caveats { get; } = [];
    }

    static void Images(PipelineDocument doc, Evidence e)
    {
        var views = doc.ImageViews();
        if (views.Count == 0) e.Missing.Add("no images were built in this pipeline");
        foreach (var view in views)
        {
            var service = view.Image.Service;
            if (view.Signature is null) e.Missing.Add($"{service} is not signed");
            else if (view.Verification is null)
                e.Missing.Add($"the signature of {service} was not verified independently " +
                    $"(VerifySignatures has no verdict on {Display.Short(view.Image.Digest)})");
            else if (!view.Verification.Passed)
                e.Blocked.Add($"the signature of {service} did not verify: {string.Join("; ", view.Verification.Reasons)}");

            if (view.Scan is null)
                e.Missing.Add(doc.Scan?.Images.Any(s => s.Subject == service) == true
                    ? $"{service} {Display.Short(view.Image.Digest)} was not scanned (the scan recorded is of another digest)"
                    : $"{service} has no scan gate decision");
            else
            {
                if (!view.Scan.Gate.Passed) e.Blocked.Add($"scan gate blocked {service}: {view.Scan.Gate.Reason}");
                if (!view.Scan.VulnerabilityScan.Ran)
                    e.Caveats.Add($"{service}: vulnerability scan not run: {view.Scan.VulnerabilityScan.Reason}");
            }
        }
        if (doc.SignatureVerification is { KeySource: KeySource.Development } development)
            e.Caveats.Add($"the release was verified with the development key ({development.PublicKey}), trusted on this machine only: " +
                "not a release verification (commit cosign.pub and sign with --signing-key)");
        if (doc.Scan?.Repository is { Gate.Passed: false } repository)
            e.Blocked.Add($"scan gate blocked the repository: {repository.Gate.Reason}");
        if (doc.Scan is { Passed: false } scan && !e.Blocked.Any(b => b.StartsWith("scan gate", StringComparison.Ordinal)))
        {
            var first = scan.Images.Append(scan.Repository).FirstOrDefault(r => r is { Gate.Passed: false });
            e.Blocked.Add("the scan gate failed" + (first is null ? "" : $" on {first.Subject}: {first.Gate.Reason}"));
        }
    }

    static void Policies(PipelineDocument doc, Evidence e)
    {
        if (doc.Policies is not { Count: > 0 } policies)
        {
            e.Missing.Add("policies were not evaluated in this pipeline");
            return;
        }
        foreach (var p in policies)
        {
            if (!p.Passed || p.FailedChecks > 0)
            {
                var first = p.Violations.FirstOrDefault(v => !v.Excepted);
                e.Blocked.Add($"policies for {p.Environment}: {p.FailedChecks} of {p.Checks} checks failed" +
                    (first is null ? "" : $" (first: {first.Policy} on {first.Resource}: {first.Message})"));
            }
            if (p.PlaceholderDigests) e.Caveats.Add($"policies for {p.Environment} were checked with placeholder image digests");
            if (p.DisabledChecks.Count > 0)
                e.Caveats.Add($"policies for {p.Environment}: built-in checks disabled: {string.Join(", ", p.DisabledChecks)}");
        }
    }

    static void Release(PipelineDocument doc, Evidence e)
    {
        var deployment = doc.Deployment;
        var verification = doc.Verification;
        if (deployment?.Status == DeploymentStatus.Failed)
            e.Blocked.Add($"the deployment failed: {deployment.Failure ?? "no failure recorded"}");
        if (verification is { Passed: false })
        {
            var failed = verification.Checks.Where(c => c.Outcome == CheckOutcome.Failed).ToList();
            if (failed.Count == 0) e.Blocked.Add($"verification of revision {verification.Revision} failed");
            foreach (var c in failed) e.Blocked.Add($"verification {c.Check} of {c.Subject} failed: {c.Evidence}");
        }
        foreach (var rollback in Rollbacks(doc)) e.Blocked.Add(RollbackLine(rollback.Record));
        if (deployment?.Status == DeploymentStatus.RolledBack && deployment.Rollback is null && verification?.Rollback is null)
            e.Blocked.Add("the deployment was rolled back");

        if (deployment is { Status: DeploymentStatus.Deployed })
        {
            if (verification is null) e.Missing.Add($"revision {deployment.Revision} of {deployment.Release} was not verified");
            else if (verification.Revision != deployment.Revision)
                e.Missing.Add($"revision {deployment.Revision} of {deployment.Release} was not verified " +
                    $"(the verification recorded is of revision {verification.Revision})");
        }
        if (verification is not null && verification.Count(CheckOutcome.NotChecked) is var notChecked and > 0)
        {
            var runtime = verification.Runtime.ToString().ToLowerInvariant();
            e.Caveats.Add($"{notChecked} verification check(s) not checked on the {runtime} runtime");
        }
    }

    /// <summary>Every rollback the record holds, with the section it is in (Deploy's, Verify's, or the Rollback target's).</summary>
    internal static IReadOnlyList<(ISection Section, RollbackRecord Record)> Rollbacks(PipelineDocument doc)
    {
        var all = new List<(ISection, RollbackRecord)>();
        if (doc.Deployment?.Rollback is { } d) all.Add((Sections.Deployment, d));
        if (doc.Verification?.Rollback is { } v && v != doc.Deployment?.Rollback) all.Add((Sections.Verification, v));
        if (doc.Rollback is { } r && r != doc.Deployment?.Rollback && r != doc.Verification?.Rollback) all.Add((Sections.Rollback, r));
        return all;
    }

    internal static string RollbackLine(RollbackRecord r) =>
        $"rolled back from revision {r.FromRevision} to " +
        $"{(r.ToRevision is { } to ? "revision " + to : "nothing (no earlier revision)")}: {r.Reason}";
}
