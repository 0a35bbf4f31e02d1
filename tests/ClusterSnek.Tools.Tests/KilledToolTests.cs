namespace ClusterSnek.Tools.Tests;

/// <summary>A tool process that dies mid-call is named as killed, with its pid and the signal (issue #16 item 6), not by its last line.</summary>
public sealed class KilledToolTests
{
    /// <summary>/bin/sh as a tool: the smallest real process that can be killed in the middle of a call.</summary>
    sealed class Shell(ResolvedTool tool) : ToolWrapper(tool)
    {
        public Task<ToolResult> RunAsync(string script, bool requireSuccess, TimeSpan? grace = null, CancellationToken? cancellation = null) =>
            RunAsync(["-c", script], new ToolCallOptions { RequireSuccess = requireSuccess, GracefulCancellation = grace },
                cancellation ?? TestContext.Current.CancellationToken);
    }

    static readonly Shell Sh = new(new ResolvedTool(new ToolPin("sh", "0", new DebianSource("dash"), null, []), "0", "/bin/sh", "test"));

    [Fact]
    public async Task A_tool_killed_during_a_call_is_named_with_its_pid_and_the_signal()
    {
        var e = await Assert.ThrowsAsync<ToolFailedException>(() => Sh.RunAsync("echo 'unexpected EOF' >&2; kill -9 $$", requireSuccess: true));

        Assert.Equal("SIGKILL", e.Result.KilledBy);
        Assert.Equal($"sh -c (pid {e.Result.ProcessId}) was killed by SIGKILL before it finished", e.Message);
        Assert.DoesNotContain("unexpected EOF", e.Message);
    }

    [Fact]
    public async Task A_tool_that_fails_by_itself_keeps_its_exit_code_and_last_line()
    {
        var result = await Sh.RunAsync("echo 'no such file' >&2; exit 3", requireSuccess: false);

        Assert.Null(result.KilledBy);
        Assert.Equal("sh -c failed (exit 3): no such file", result.Failure);
    }

    [Fact]
    public async Task A_tool_cancelled_gracefully_gets_SIGINT_and_time_to_finish_its_own_cleanup()
    {
        var done = Path.Combine(Path.GetTempPath(), $"clustersnek-graceful-{Guid.NewGuid():N}");
        using var cancel = new CancellationTokenSource();
        // As helm upgrade --rollback-on-failure does on SIGINT: it cleans up (here: half a second) before it exits.
        var ready = done + ".ready";
        var call = Sh.RunAsync($"trap 'sleep 0.5; touch {done}; exit 130' INT; touch {ready}; sleep 30 & wait", requireSuccess: false,
            grace: TimeSpan.FromSeconds(20), cancellation: cancel.Token);
        // Interrupt only once the handler is in place (a loaded machine can take longer than any fixed delay to get there).
        while (!File.Exists(ready)) await Task.Delay(50, TestContext.Current.CancellationToken);
        File.Delete(ready);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(File.Exists(done), "the tool was killed before its SIGINT handler finished");
        File.Delete(done);
    }
}
