using System.Text.Json.Nodes;
using Octokit;

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

    public static IReadOnlyList<GitHubOperation> Plan(GitHubContext context, JsonNode pipeline, string markdown, IReadOnlyList<IssueComment> existingComments)
    {
        var verdict = Verdict.Of(pipeline);
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

        if (DeploymentOf(pipeline) is { } deployment) operations.Add(deployment with { Sha = context.Sha, LogUrl = context.RunUrl });
        return operations;
    }

    static CreateDeployment? DeploymentOf(JsonNode pipeline)
    {
        var deploy = pipeline.Objects("targets").FirstOrDefault(t => t.Str("name") == "Deploy");
        var section = pipeline.At("deployment");
        if (section is null && deploy?.Str("status") is not ("Failed" or "Succeeded")) return null;
        var environment = section.FirstStr("environment", "namespace") ?? pipeline.FirstStrOf("parameters", "Env", "env") ?? "dev";
        var failed = deploy?.Str("status") == "Failed"
            || pipeline.Objects("verification").Any(v => Status.IsFailure(v.Str("status")))
            || section.At("rollback") is JsonObject { Count: > 0 };
        var description = failed
            ? Clip(section.At("rollback") is JsonObject ? "rolled back: " + Verdict.Of(pipeline).Summary : Verdict.Of(pipeline).Summary, MaxDescription)
            : Clip($"{section.Str("release") ?? "release"} revision {section.Str("revision") ?? "?"} verified", MaxDescription);
        return new CreateDeployment("", environment, description, failed ? DeploymentState.Failure : DeploymentState.Success, "");
    }

    static string? FirstStrOf(this JsonNode pipeline, string section, params string[] names) => pipeline.At(section).FirstStr(names);

    static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
