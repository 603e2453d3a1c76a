using System.Collections.Concurrent;
using System.Net;
using AgentOperator.Crds.V1Alpha1;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>
/// Polly pipelines per tool: a per-attempt timeout inside a circuit breaker shared by all calls of the
/// tool; reads add bounded retries with exponential backoff and jitter around that; writes are never
/// retried, so a write reaches the upstream at most once per gateway decision. The pipelines are typed by
/// <see cref="UpstreamOutcome"/>, so a call runs without the bridging (and boxing) of an untyped pipeline.
/// </summary>
public sealed class UpstreamResilience(TimeProvider timeProvider)
{
    /// <summary>Breaker: open after half the calls in 30 s fail (at least 5 calls), for 15 s.</summary>
    public static readonly CircuitBreakerStrategyOptions<UpstreamOutcome> BreakerOptions = new()
    {
        FailureRatio = 0.5,
        MinimumThroughput = 5,
        SamplingDuration = TimeSpan.FromSeconds(30),
        BreakDuration = TimeSpan.FromSeconds(15),
        ShouldHandle = new PredicateBuilder<UpstreamOutcome>().Handle<Exception>(IsTransient),
    };

    private readonly ConcurrentDictionary<(string Tool, string Target, int Timeout), ResiliencePipeline<UpstreamOutcome>> _core = new();
    private readonly ConcurrentDictionary<(string Tool, string Target, int Timeout, int Attempts), ResiliencePipeline<UpstreamOutcome>> _reads = new();

    /// <summary>Delay before the first retry of a read; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The pipeline for a call of <paramref name="tool"/>.</summary>
    public ResiliencePipeline<UpstreamOutcome> For(string tool, ToolUpstream upstream, bool idempotent)
    {
        var target = upstream.Url ?? upstream.Mcp?.Url + "#" + upstream.Mcp?.ToolName;
        var core = _core.GetOrAdd((tool, target, upstream.TimeoutSeconds), key => new ResiliencePipelineBuilder<UpstreamOutcome> { TimeProvider = timeProvider }
            .AddCircuitBreaker(BreakerOptions)
            .AddTimeout(TimeSpan.FromSeconds(key.Timeout))
            .Build());
        if (!idempotent || upstream.MaxAttempts <= 1)
        {
            return core;
        }

        return _reads.GetOrAdd((tool, target, upstream.TimeoutSeconds, upstream.MaxAttempts), key => new ResiliencePipelineBuilder<UpstreamOutcome> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<UpstreamOutcome>
            {
                MaxRetryAttempts = key.Attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = RetryDelay,
                ShouldHandle = new PredicateBuilder<UpstreamOutcome>().Handle<Exception>(IsTransient),
            })
            .AddPipeline(core)
            .Build());
    }

    /// <summary>Failures worth a retry and counted by the breaker: no answer, a timeout, or a 5xx/408/429.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException => true,
        TimeoutRejectedException => true,
        UpstreamStatusException status => status.StatusCode is >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        _ => false,
    };
}
