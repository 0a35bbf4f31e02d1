namespace ClusterSnek.Kube.Tests;

/// <summary>The optional AI reading: never required, and an endpoint that does not answer is one line, not a failure.</summary>
public sealed class AiAnalysisTests
{
    [Fact]
    public async Task An_unreachable_endpoint_is_reported_in_one_line_instead_of_failing()
    {
        var endpoint = new Uri($"http://127.0.0.1:{TestImage.FreePort()}/v1");

        var line = await AiAnalysis.ExplainAsync(["backend: CrashLoopBackOff, last log line: missing secret db-password"], endpoint, "test-key", "gpt-4o-mini",
            TestContext.Current.CancellationToken);

        Assert.StartsWith("AI analysis unavailable (offline or endpoint unreachable): ", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain("test-key", line);
    }
}
