using System.Diagnostics;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ClusterSnek.Pipeline;

/// <summary>
/// Waits for something to become ready by looking at it again and again: a Polly pipeline of a retry at a constant
/// interval (no jitter, no backoff) that stops once a look is final or the deadline has passed, inside a timeout that
/// bounds a look that hangs. The caller gets the last look and judges it (ready, failed for good, or out of time).
/// </summary>
public static class Readiness
{
    /// <summary>How long past the deadline a look already under way may take before the wait gives up on it.</summary>
    public static readonly TimeSpan LookGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Looks with <paramref name="look"/> until <paramref name="isFinal"/> says a look is final, or <paramref name="deadline"/> has
    /// passed (one more look may start up to <paramref name="interval"/> after it, as the loops this replaced did). Exceptions
    /// are not retried: they end the wait.
    /// </summary>
    public static async Task<T> WaitAsync<T>(Func<CancellationToken, Task<T>> look, Func<T, bool> isFinal, TimeSpan deadline, TimeSpan interval,
        CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var looked = false;
        T last = default!;
        var pipeline = new ResiliencePipelineBuilder<T>()
            .AddTimeout(deadline + interval + LookGrace)
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is null && !isFinal(args.Outcome.Result!) && clock.Elapsed <= deadline),
                Delay = interval,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                var result = await look(token);
                (last, looked) = (result, true);
                return result;
            }, cancellation);
        }
        catch (TimeoutRejectedException) when (looked) { return last; }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"No look finished within {(deadline + interval + LookGrace).TotalSeconds:0} s.", e);
        }
    }
}
