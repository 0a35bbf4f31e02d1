using System.Net;
using System.Text;

namespace ClusterSnek.Kube.Tests;

/// <summary>The optional AI reading: never required, and an endpoint that does not answer is one line, not a failure.</summary>
public sealed class AiAnalysisTests
{
    static readonly DiagnosisFinding[] Findings =
    [
        new("mcp-server", "OOMKilled: the memory limit 8 MiB is below what the service needs", "mcp-server: exit code 137, 2 restarts; limit 8 MiB",
            "raise mcp-server.resources.limits.memory") { Code = CauseCodes.OomKilled },
        new("ai-agent", "dependency mcp-server is down (upstream of ai-agent, backend, frontend)", "GET http://127.0.0.1:24173/readyz → 503", "bring mcp-server up first"),
    ];

    [Fact]
    public async Task An_unreachable_endpoint_is_reported_in_one_line_instead_of_failing()
    {
        var endpoint = new Uri($"http://127.0.0.1:{TestImage.FreePort()}/v1");

        var line = await AiAnalysis.ExplainAsync(Findings, endpoint, "test-key", "gpt-4o-mini", TestContext.Current.CancellationToken);

        Assert.StartsWith("AI analysis unavailable (offline or endpoint unreachable): ", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain("test-key", line);
    }

    [Fact]
    public async Task An_OpenAI_compatible_endpoint_gets_the_ranked_findings_with_redacted_evidence_and_its_answer_is_shown_beside_them()
    {
        const string canary = "canary-ai-5b1e77d0-token";
        Pipeline.Redactor.Register(canary);
        var findings = Findings.Append(new DiagnosisFinding("backend", "crashes on start (exit code 1)", $"last log lines: login with {canary} rejected", null)).ToList();
        // A minimal OpenAI-compatible chat completions endpoint on loopback: it records what it was sent (no such server is
        // obtainable offline; the client under test is the real Microsoft.Extensions.AI + OpenAI one).
        var port = TestImage.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var answer = """{"id":"chatcmpl-1","object":"chat.completion","created":1764547200,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Agreed: mcp-server is OOMKilled at 8 MiB.\nRaise its limit."},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}""";
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return (Path: context.Request.Url!.AbsolutePath, Body: body);
        }, TestContext.Current.CancellationToken);

        var line = await AiAnalysis.ExplainAsync(findings, new Uri($"http://127.0.0.1:{port}/v1"), "test-key", "gpt-4o-mini", TestContext.Current.CancellationToken);

        var (path, sent) = await received;
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("AI reading (beside the analyzers' diagnosis, not instead of it): Agreed: mcp-server is OOMKilled at 8 MiB. Raise its limit.", line);
        Assert.Contains("1. mcp-server: OOMKilled: the memory limit 8 MiB", sent);
        Assert.Contains("exit code 137", sent);
        Assert.DoesNotContain(canary, sent);
        Assert.Contains("login with *** rejected", sent);
    }

}
