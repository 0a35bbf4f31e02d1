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
    /// <summary>Said once when no endpoint is given: nothing is sent anywhere.</summary>
    public const string Off = "AI reading: off (no --ai-endpoint given; nothing was sent). The analyzers' diagnosis above stands on its own.";

    /// <summary>
    /// The prompt: the analyzers' ranked findings (cause, evidence, fix), redacted once more before they leave the machine.
    /// Only these findings are sent: no manifests, no values, no environment.
    /// </summary>
    public static string Prompt(IReadOnlyList<DiagnosisFinding> findings) =>
        "A Kubernetes release failed and was diagnosed by rule-based analyzers. Their ranked findings (first = root cause):\n" +
        string.Join("\n", findings.Select((f, i) => Evidence.Redact($"{i + 1}. {f.Subject}: {f.Cause}\n   evidence: {f.Evidence}\n   fix: {f.Fix ?? "none known"}"))) +
        "\nDo you agree with the root cause? Give the most likely root cause and the fix in at most three sentences.";

    public static async Task<string> ExplainAsync(IReadOnlyList<DiagnosisFinding> findings, Uri? endpoint, string? key, string model, CancellationToken cancellation)
    {
        var prompt = Prompt(findings);
        try
        {
            if (endpoint is not null)
            {
                var client = new OpenAIClient(new ApiKeyCredential(key ?? "none"), new OpenAIClientOptions { Endpoint = endpoint, NetworkTimeout = TimeSpan.FromSeconds(20), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) })
                    .GetChatClient(model).AsIChatClient();
                var answer = await client.GetResponseAsync(prompt, cancellationToken: cancellation);
                return "AI reading (beside the analyzers' diagnosis, not instead of it): " + Evidence.Redact(answer.Text.Trim().ReplaceLineEndings(" "));
            }
            if (Toolchain.FindOnPath("kubectl-ai") is { } kubectlAi)
            {
                var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
                    CliWrap.Cli.Wrap(kubectlAi).WithArguments(["--quiet", prompt]).WithValidation(CliWrap.CommandResultValidation.None), cancellation);
                return result.ExitCode == 0 ? "AI reading (kubectl-ai, beside the analyzers' diagnosis): " + Evidence.Redact(result.StandardOutput.Trim().ReplaceLineEndings(" "))
                    : $"AI analysis unavailable: kubectl-ai exited {result.ExitCode}.";
            }
            return "AI analysis unavailable: no --ai-endpoint given and kubectl-ai is not on PATH.";
        }
        catch (Exception e) when (e is HttpRequestException or ClientResultException or TaskCanceledException or InvalidOperationException)
        {
            return $"AI analysis unavailable (offline or endpoint unreachable): {e.GetType().Name}.";
        }
    }
}
