using ClusterSnek.Record;
using ClusterSnek.Reports.GitHub;
using Octokit;
using Octokit.Internal;

namespace ClusterSnek.Reports.Tests;

/// <summary>
/// The GitHub decisions, tested on JSON in GitHub's documented REST API shape (the "List issue comments" response and the
/// pull_request event payload), parsed by Octokit's own serializer, for run records built from the record types.
/// Nothing here talks to github.com.
/// </summary>
public sealed class GitHubTests
{
    static readonly GitHubContext Pr = new("octocat", "Hello-World", "6dcb09b5b57875f334f61aebed695e2e4193db5e", 1347, "https://github.com/octocat/Hello-World/actions/runs/9", "https://api.github.com");

    static IReadOnlyList<IssueComment> Comments() =>
        new SimpleJsonSerializer().Deserialize<List<IssueComment>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "github-issue-comments.json")));

    static PipelineDocument RolledBack => Documents.VerifyFailedAndRolledBack();

    static string Markdown => ReportRenderer.RenderMarkdown(RolledBack, Documents.Now);

    [Fact]
    public void The_marked_summary_comment_is_updated_not_duplicated()
    {
        var plan = GitHubPlanner.Plan(Pr, RolledBack, Markdown, Comments());
        var update = Assert.Single(plan.OfType<UpdateComment>());
        Assert.Equal(42, update.CommentId);
        Assert.StartsWith(GitHubPlanner.CommentMarker, update.Body, StringComparison.Ordinal);
        Assert.Empty(plan.OfType<CreateComment>());
    }

    [Fact]
    public void Without_a_marked_comment_one_summary_comment_is_created()
    {
        var plan = GitHubPlanner.Plan(Pr, RolledBack, Markdown, Comments().Where(c => c.Id != 42).ToList());
        Assert.Equal(1347, Assert.Single(plan.OfType<CreateComment>()).PullRequest);
    }

    [Fact]
    public void An_unchanged_summary_comment_is_left_alone()
    {
        var first = GitHubPlanner.Plan(Pr, RolledBack, Markdown, Comments().Where(c => c.Id != 42).ToList());
        var body = first.OfType<CreateComment>().Single().Body;
        var json = System.Text.Json.JsonSerializer.Serialize(new[] { new { id = 77, body, created_at = "2026-11-25T10:00:00Z", user = new { login = "github-actions[bot]", type = "Bot" } } });
        var existing = new SimpleJsonSerializer().Deserialize<List<IssueComment>>(json);
        var plan = GitHubPlanner.Plan(Pr, RolledBack, Markdown, existing);
        Assert.Empty(plan.OfType<CreateComment>());
        Assert.Empty(plan.OfType<UpdateComment>());
    }

    [Fact]
    public void A_blocked_run_sets_a_failure_status_that_names_the_first_reason()
    {
        var status = Assert.Single(GitHubPlanner.Plan(Pr, RolledBack, Markdown, []).OfType<SetCommitStatus>());
        Assert.Equal(CommitState.Failure, status.State);
        Assert.Equal(GitHubPlanner.StatusContext, status.Context);
        Assert.StartsWith("Blocked: Verify failed: 2 checks failed", status.Description, StringComparison.Ordinal);
        Assert.True(status.Description.Length <= 140);
        Assert.Equal(Pr.RunUrl, status.TargetUrl);
    }

    [Fact]
    public void A_run_without_blocking_failures_sets_a_success_status()
    {
        var green = Documents.Empty() with { Targets = [new TargetEntry("Compile", TargetStatus.Succeeded, 10, null, null, null)] };
        var status = GitHubPlanner.Plan(Pr, green, "x", []).OfType<SetCommitStatus>().Single();
        Assert.Equal(CommitState.Success, status.State);
        Assert.StartsWith("Not shippable yet", status.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_verify_gives_a_failed_deployment_and_a_failed_commit_status()
    {
        var plan = GitHubPlanner.Plan(Pr, RolledBack, Markdown, []);
        var deployment = Assert.Single(plan.OfType<CreateDeployment>());
        Assert.Equal(DeploymentState.Failure, deployment.State);
        Assert.Equal("staging", deployment.Environment);
        Assert.Equal(Pr.Sha, deployment.Sha);
        Assert.Equal(Pr.RunUrl, deployment.LogUrl);
        Assert.Equal("rolled back to revision 3: restarts of backend failed: backend: 4 restarts", deployment.Description);
        Assert.True(deployment.Description.Length <= 140);
        Assert.Equal(CommitState.Failure, Assert.Single(plan.OfType<SetCommitStatus>()).State);
    }

    [Fact]
    public void A_failed_verify_without_a_failed_target_still_fails_the_deployment()
    {
        var doc = RolledBack with
        {
            Targets = Documents.DeployedAndVerified().Targets, Verification = RolledBack.Verification! with { Rollback = null },
        };
        var plan = GitHubPlanner.Plan(Pr, doc, "x", []);
        var deployment = Assert.Single(plan.OfType<CreateDeployment>());
        Assert.Equal(DeploymentState.Failure, deployment.State);
        Assert.StartsWith("restarts of backend failed: backend: 4 restarts", deployment.Description, StringComparison.Ordinal);
        Assert.Equal(CommitState.Failure, Assert.Single(plan.OfType<SetCommitStatus>()).State);
    }

    [Fact]
    public void A_failed_verify_without_a_failed_check_is_described_by_its_diagnosis()
    {
        var verification = RolledBack.Verification! with { Checks = [], Rollback = null };
        var plan = GitHubPlanner.Plan(Pr, RolledBack with { Verification = verification }, "x", []);
        var deployment = Assert.Single(plan.OfType<CreateDeployment>());
        Assert.Equal(DeploymentState.Failure, deployment.State);
        Assert.StartsWith("backend: the database connection string is missing", deployment.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verified_deploy_becomes_a_successful_deployment_and_a_success_status()
    {
        var plan = GitHubPlanner.Plan(Pr, Documents.DeployedAndVerified(), "x", []);
        var deployment = Assert.Single(plan.OfType<CreateDeployment>());
        Assert.Equal(DeploymentState.Success, deployment.State);
        Assert.Equal("clustersnek revision 4 verified", deployment.Description);
        Assert.Equal(CommitState.Success, Assert.Single(plan.OfType<SetCommitStatus>()).State);
    }

    [Fact]
    public void A_deployment_carried_from_an_earlier_run_is_not_published_again()
    {
        var doc = Documents.DeployWithCarriedSupplyChain();
        var carried = doc with
        {
            Targets = [.. doc.Targets.Where(t => t.Name != "Deploy" && t.Name != "Verify")],
            Carried =
            [
                .. doc.Carried, new CarriedSection("deployment", "Deploy", 11, Documents.Start.AddDays(-1), Documents.EarlierCommit),
            ],
        };
        Assert.Empty(GitHubPlanner.Plan(Pr, carried, "x", []).OfType<CreateDeployment>());
    }

    [Fact]
    public void A_run_without_Deploy_creates_no_deployment_and_a_push_creates_no_comment()
    {
        var push = Pr with { PullRequest = null };
        var plan = GitHubPlanner.Plan(push, Documents.CompileFailed(), "x", []);
        Assert.Empty(plan.OfType<CreateDeployment>());
        Assert.Empty(plan.OfType<CreateComment>());
        Assert.Single(plan.OfType<SetCommitStatus>());
    }

    [Fact]
    public void Off_the_runner_nothing_is_published_and_the_reason_is_given()
    {
        Assert.Null(GitHubContext.FromEnvironment(_ => null, "token", out var reason));
        Assert.Equal("not running in GitHub Actions (GITHUB_ACTIONS is not true)", reason);
        Assert.Null(GitHubContext.FromEnvironment(n => n == "GITHUB_ACTIONS" ? "true" : null, null, out reason));
        Assert.StartsWith("no GitHub token", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_pull_request_the_context_comes_from_the_event_payload()
    {
        var environment = new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REPOSITORY"] = "octocat/Hello-World", ["GITHUB_SHA"] = "merge-commit-sha",
            ["GITHUB_RUN_ID"] = "9", ["GITHUB_REF"] = "refs/pull/1347/merge",
            ["GITHUB_EVENT_PATH"] = Path.Combine(AppContext.BaseDirectory, "Fixtures", "github-event-pull_request.json"),
        };
        var context = GitHubContext.FromEnvironment(n => environment.GetValueOrDefault(n), "token", out _)!;
        Assert.Equal(1347, context.PullRequest);
        Assert.Equal("6dcb09b5b57875f334f61aebed695e2e4193db5e", context.Sha);
        Assert.Equal("https://github.com/octocat/Hello-World/actions/runs/9", context.RunUrl);
    }
}
