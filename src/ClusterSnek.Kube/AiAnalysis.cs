using System.ClientModel;
using System.ClientModel.Primitives;
using ClusterSnek.Tools;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ClusterSnek.Kube;

/// <summary>
/// Optional AI reading of a diagnosis: an OpenAI-compatible endpoint through Microsoft.Extensions.AI, else
/// <c>kubectl-ai --quiet</c> when it is on PATH. Off unless asked for; never required; offline it says so in one line.
/// </summary>
public static class AiAnalysis
{
    public static async Task<string> ExplainAsync(IReadOnlyList<string> diagnosis, Uri? endpoint, string? key, string model, CancellationToken cancellation)
    {
        var prompt = "A Kubernetes release failed verification. Ranked findings:\n- " + string.Join("\n- ", diagnosis) +
                     "\nGive the most likely root cause and the fix in at most three sentences.";
        try
        {
            if (endpoint is not null)
            {
                var client = new OpenAIClient(new ApiKeyCredential(key ?? "none"), new OpenAIClientOptions { Endpoint = endpoint, NetworkTimeout = TimeSpan.FromSeconds(20), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) })
                    .GetChatClient(model).AsIChatClient();
                var answer = await client.GetResponseAsync(prompt, cancellationToken: cancellation);
                return "AI analysis: " + answer.Text.Trim();
            }
            if (Toolchain.FindOnPath("kubectl-ai") is { } kubectlAi)
            {
                var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
                    CliWrap.Cli.Wrap(kubectlAi).WithArguments(["--quiet", prompt]).WithValidation(CliWrap.CommandResultValidation.None), cancellation);
                return result.ExitCode == 0 ? "AI analysis (kubectl-ai): " + result.StandardOutput.Trim() : $"AI analysis unavailable: kubectl-ai exited {result.ExitCode}.";
            }
            return "AI analysis unavailable: no --ai-endpoint given and kubectl-ai is not on PATH.";
        }
        catch (Exception e) when (e is HttpRequestException or ClientResultException or TaskCanceledException or InvalidOperationException)
        {
            return $"AI analysis unavailable (offline or endpoint unreachable): {e.GetType().Name}.";
        }
    }
}
