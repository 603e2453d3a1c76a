using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.RateLimits;

/// <summary>
/// A token bucket: holds up to <c>burst</c> tokens and refills <c>requestsPerMinute</c> per minute,
/// continuously, on the injected clock.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly double _capacity;
    private readonly double _tokensPerSecond;
    private double _tokens;
    private long _lastRefill;

    /// <summary>Creates a full bucket for <paramref name="limit"/>.</summary>
    public TokenBucket(RateLimit limit, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Limit = limit;
        _timeProvider = timeProvider;
        _capacity = EffectiveBurst(limit);
        _tokensPerSecond = limit.RequestsPerMinute / 60.0;
        _tokens = _capacity;
        _lastRefill = timeProvider.GetTimestamp();
    }

    /// <summary>The limit this bucket enforces.</summary>
    public RateLimit Limit { get; }

    /// <summary>The burst of a limit: as set, or requestsPerMinute / 10, at least 1.</summary>
    public static int EffectiveBurst(RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        return limit.Burst ?? Math.Max(1, limit.RequestsPerMinute / 10);
    }

    /// <summary>Takes one token; when none is left, returns false and how long until one is.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + _timeProvider.GetElapsedTime(_lastRefill, now).TotalSeconds * _tokensPerSecond);
            _lastRefill = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((1 - _tokens) / _tokensPerSecond);
            return false;
        }
    }
}
