using System.Collections.ObjectModel;
using ClusterSnek.Record;
using ClusterSnek.Reports.Audit;
using Octokit;
using Serilog;

namespace ClusterSnek.Reports.GitHub;

/// <summary>Reads what exists on GitHub, plans, and applies the plan with Octokit; each change is audited.</summary>
public static class GitHubPublisher
{
    public static async Task PublishAsync(
        GitHubContext context, string token, PipelineDocument doc, string markdown, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = new GitHubClient(new ProductHeaderValue("ClusterSnek"), new Uri(context.ApiUrl))
        {
            Credentials = new Credentials(token),
        };
        IReadOnlyList<IssueComment> comments = context.PullRequest is { } pull
            ? await client.Issue.Comment.GetAllForIssue(context.Owner, context.Name, pull)
            : [];
        foreach (var operation in GitHubPlanner.Plan(context, doc, markdown, comments))
        {
            cancellation.ThrowIfCancellationRequested();
            string subject, describe;
            try { (subject, describe) = await ApplyAsync(client, context, operation); }
            catch (ForbiddenException e)
            {
                // A pull request from a fork gets a read-only token: say so instead of failing the pipeline over a comment.
                Log.Warning("GitHub refused {Operation} ({Message}): the token is read-only here (a fork's pull request?) or lacks the permission", operation.GetType().Name, e.Message);
                continue;
            }
            AuditLog.Record(AuditAction.GitHubUpdate, subject, null, AuditOutcome.Succeeded);
            Log.Information("GitHub: {Change}", describe);
        }
    }

    static async Task<(string Subject, string Description)> ApplyAsync(GitHubClient client, GitHubContext c, GitHubOperation operation)
    {
        var repo = $"{c.Owner}/{c.Name}";
        switch (operation)
        {
            case SetCommitStatus s:
                await client.Repository.Status.Create(c.Owner, c.Name, s.Sha, new NewCommitStatus
                {
                    State = s.State, Context = s.Context, Description = s.Description, TargetUrl = s.TargetUrl,
                });
                return ($"{repo}@{s.Sha} status {s.Context}", $"commit status {s.State} on {s.Sha[..Math.Min(12, s.Sha.Length)]}");
            case CreateComment cc:
                var created = await client.Issue.Comment.Create(c.Owner, c.Name, cc.PullRequest, cc.Body);
                return ($"{repo}#{cc.PullRequest} comment {created.Id}", $"summary comment added to #{cc.PullRequest}");
            case UpdateComment uc:
                await client.Issue.Comment.Update(c.Owner, c.Name, uc.CommentId, uc.Body);
                return ($"{repo} comment {uc.CommentId}", $"summary comment {uc.CommentId} updated");
            case CreateDeployment d:
                var deployment = await client.Repository.Deployment.Create(c.Owner, c.Name, new NewDeployment(d.Sha)
                {
                    Environment = d.Environment, Description = d.Description, AutoMerge = false,
                    // The pipeline already checked the commit; GitHub must not wait for other status contexts.
                    RequiredContexts = new Collection<string>(),
                });
                await client.Repository.Deployment.Status.Create(c.Owner, c.Name, deployment.Id, new NewDeploymentStatus(d.State)
                {
                    Description = d.Description, LogUrl = d.LogUrl,
                });
                return ($"{repo} deployment {deployment.Id} ({d.Environment})", $"deployment {deployment.Id} to {d.Environment}: {d.State}");
            default:
                throw new InvalidOperationException($"Unknown GitHub operation {operation.GetType().Name}.");
        }
    }
}
