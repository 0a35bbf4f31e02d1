using ClusterSnek.Record;
using Octokit;
using DeploymentStatus = ClusterSnek.Record.DeploymentStatus;

namespace ClusterSnek.Reports.GitHub;

/// <summary>One change to make on GitHub; the plan is pure data so the decisions are testable without a network.</summary>
public abstract record GitHubOperation;

/// <summary>POST /repos/{owner}/{repo}/statuses/{sha}.</summary>
public sealed record SetCommitStatus(string Sha, CommitState State, string Context, string Description, string TargetUrl) : GitHubOperation;

/// <summary>POST /repos/{owner}/{repo}/issues/{number}/comments.</summary>
public sealed record CreateComment(long PullRequest, string Body) : GitHubOperation;

/// <summary>PATCH /repos/{owner}/{repo}/issues/comments/{id}.</summary>
public sealed record UpdateComment(long CommentId, string Body) : GitHubOperation;

/// <summary>POST /repos/{owner}/{repo}/deployments, then its status.</summary>
public sealed record CreateDeployment(string Sha, string Environment, string Description, DeploymentState State, string LogUrl) : GitHubOperation;

/// <summary>Decides what the run changes on GitHub: the verdict status, one PR comment (found again by a hidden marker), a deployment.</summary>
public static class GitHubPlanner
{
    public const string StatusContext = "clustersnek/pipeline";
    public const string CommentMarker = "<!-- clustersnek-report -->";

    // GitHub refuses comment bodies over 65536 characters and status descriptions over 140.
    const int MaxComment = 65_000, MaxDescription = 140;

    public static IReadOnlyList<GitHubOperation> Plan(
        GitHubContext context, PipelineDocument doc, string markdown, IReadOnlyList<IssueComment> existingComments)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(existingComments);
        var verdict = Verdict.Of(doc);
        var operations = new List<GitHubOperation>
        {
            // Only a blocked run fails the commit; an incomplete one (a PR build without images) is green with the reason said.
            new SetCommitStatus(context.Sha, verdict.State == Verdict.Blocked ? CommitState.Failure : CommitState.Success,
                StatusContext, Clip(verdict.Summary, MaxDescription), context.RunUrl),
        };

        if (context.PullRequest is { } pull)
        {
            var body = CommentMarker + "\n" + Clip(markdown, MaxComment) + $"\n\nFull report: the `report` artifact of [this run]({context.RunUrl}).\n";
            var ours = existingComments.Where(c => c.Body?.Contains(CommentMarker, StringComparison.Ordinal) == true)
                .OrderBy(c => c.CreatedAt).FirstOrDefault();
            if (ours is null) operations.Add(new CreateComment(pull, body));
            else if (ours.Body != body) operations.Add(new UpdateComment(ours.Id, body));
        }

        if (DeploymentOf(doc, verdict) is { } deployment) operations.Add(deployment with { Sha = context.Sha, LogUrl = context.RunUrl });
        return operations;
    }

    /// <summary>
    /// A GitHub Deployment for a Deploy of this run (none for a deployment carried from an earlier run): failed when Deploy
    /// failed, the release was rolled back or Verify failed, described by the first failed check or diagnosis.
    /// </summary>
    static CreateDeployment? DeploymentOf(PipelineDocument doc, Verdict verdict)
    {
        var deploy = doc.Target(Sections.Deployment.Writer);
        if (deploy?.Status is not (TargetStatus.Succeeded or TargetStatus.Failed)) return null;
        var deployment = doc.CarriedFrom(Sections.Deployment) is null ? doc.Deployment : null;
        var verification = doc.CarriedFrom(Sections.Verification) is null ? doc.Verification : null;
        var verify = doc.Target(Sections.Verification.Writer);
        var rollback = deployment?.Rollback ?? verification?.Rollback;
        var failed = deploy.Status == TargetStatus.Failed || deployment?.Status is DeploymentStatus.Failed or DeploymentStatus.RolledBack
            || verification is { Passed: false } || verify?.Status == TargetStatus.Failed || rollback is not null;
        var environment = ReportModel.EnvironmentOf(doc) ?? "unnamed";
        if (!failed)
        {
            var what = deployment is null ? "release" : $"{deployment.Release} revision {deployment.Revision}";
            var verified = verification is { Passed: true } v && v.Revision == deployment?.Revision;
            var description = verified ? $"{what} verified" : $"{what} deployed, not verified";
            return new CreateDeployment("", environment, Clip(description, MaxDescription), DeploymentState.Success, "");
        }
        var firstCheck = verification?.Checks.FirstOrDefault(c => c.Outcome == CheckOutcome.Failed);
        var diagnosis = verification?.Diagnosis.FirstOrDefault() ?? deployment?.Diagnosis.FirstOrDefault();
        var cause = firstCheck is not null ? $"{firstCheck.Check} of {firstCheck.Subject} failed: {firstCheck.Evidence}"
            : diagnosis?.ToString() ?? deployment?.Failure ?? deploy.Reason ?? verify?.Reason ?? verdict.Summary;
        var prefix = rollback is null ? "" : $"rolled back to {(rollback.ToRevision is { } to ? "revision " + to : "nothing")}: ";
        return new CreateDeployment("", environment, Clip(prefix + cause, MaxDescription), DeploymentState.Failure, "");
    }

    static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
