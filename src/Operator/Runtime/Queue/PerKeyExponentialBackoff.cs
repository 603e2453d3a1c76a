namespace AgentOperator.Operator.Runtime.Queue;

/// <summary>
/// Per-key exponential backoff: the n-th consecutive failure of a key waits <c>baseDelay · 2ⁿ</c>, capped at
/// <c>maxDelay</c>; <see cref="Forget"/> starts the key over. controller-runtime uses 5 ms and 1000 s.
/// </summary>
internal sealed class PerKeyExponentialBackoff<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, int> _failures = [];

    public TimeSpan When(TKey key)
    {
        int exponent;
        lock (_lock)
        {
            exponent = _failures.GetValueOrDefault(key);
            _failures[key] = exponent + 1;
        }

        // 2^exponent overflows double only far beyond any cap, but keep the arithmetic bounded anyway.
        var delayTicks = baseDelay.Ticks * Math.Pow(2, Math.Min(exponent, 62));
        return delayTicks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)delayTicks);
    }

    public void Forget(TKey key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    public int NumRequeues(TKey key)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(key);
        }
    }
}
