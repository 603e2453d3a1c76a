namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>Capped exponential backoff with jitter, so a fleet of clients does not reconnect in lockstep.</summary>
internal sealed class ReconnectBackoff(TimeSpan baseDelay, TimeSpan maxDelay, Random random)
{
    private int _failures;

    public int Failures => _failures;

    /// <summary>Counts one more failure and returns the wait: the capped doubling delay, jittered to 50–100 % of it.</summary>
    public TimeSpan Next()
    {
        var exponent = Math.Min(_failures, 30);
        _failures++;
        var capped = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(capped * (0.5 + (random.NextDouble() * 0.5))));
    }

    public void Reset() => _failures = 0;
}
