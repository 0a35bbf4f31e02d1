using System.Text.Json.Nodes;

namespace ClusterSnek.Reports.GitHub;

/// <summary>Where a GitHub Actions run is: repository, commit, pull request, run URL. Read from the runner's environment.</summary>
public sealed record GitHubContext(string Owner, string Name, string Sha, long? PullRequest, string RunUrl, string ApiUrl)
{
    /// <summary>The context of this run, or null with the reason it does not apply (off the runner, no token, missing variables).</summary>
    public static GitHubContext? FromEnvironment(Func<string, string?> environment, string? token, out string reason)
    {
        if (environment("GITHUB_ACTIONS") != "true") { reason = "not running in GitHub Actions (GITHUB_ACTIONS is not true)"; return null; }
        if (string.IsNullOrEmpty(token)) { reason = "no GitHub token: pass --git-hub-token or set GITHUB_TOKEN from secrets.GITHUB_TOKEN"; return null; }
        var repository = environment("GITHUB_REPOSITORY");
        var sha = environment("GITHUB_SHA");
        if (repository?.Split('/') is not [var owner, var name] || string.IsNullOrEmpty(sha))
        {
            reason = "GITHUB_REPOSITORY (owner/name) or GITHUB_SHA is not set";
            return null;
        }
        var server = environment("GITHUB_SERVER_URL") ?? "https://github.com";
        var runUrl = $"{server}/{repository}/actions/runs/{environment("GITHUB_RUN_ID")}";
        var pull = PullRequestOf(environment("GITHUB_EVENT_PATH"), environment("GITHUB_REF"));
        // On pull_request events GITHUB_SHA is the merge commit; the status belongs on the PR's head commit.
        var head = HeadShaOf(environment("GITHUB_EVENT_PATH")) ?? sha;
        reason = "";
        return new GitHubContext(owner, name, head, pull, runUrl, environment("GITHUB_API_URL") ?? "https://api.github.com");
    }

    /// <summary>The pull request number from the event payload (pull_request.number) or from refs/pull/N/merge.</summary>
    public static long? PullRequestOf(string? eventPath, string? gitRef)
    {
        if (Payload(eventPath)?["pull_request"]?["number"] is JsonValue n && n.TryGetValue<long>(out var number)) return number;
        if (gitRef?.Split('/') is ["refs", "pull", var id, _] && long.TryParse(id, out var fromRef)) return fromRef;
        return null;
    }

    static string? HeadShaOf(string? eventPath) => Payload(eventPath)?["pull_request"]?["head"]?["sha"]?.GetValue<string>();

    static JsonNode? Payload(string? eventPath)
    {
        if (string.IsNullOrEmpty(eventPath) || !File.Exists(eventPath)) return null;
        try { return JsonNode.Parse(File.ReadAllText(eventPath)); }
        catch (System.Text.Json.JsonException) { return null; }
    }
}
