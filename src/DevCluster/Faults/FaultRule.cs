namespace AgentOperator.DevCluster.Faults;

/// <summary>Answer the next <see cref="Remaining"/> requests that match <see cref="Verb"/> and <see cref="Resource"/> with <see cref="StatusCode"/>.</summary>
internal sealed class FaultRule(string? verb, string? resource, int statusCode, int count, int retryAfterSeconds)
{
    private int _remaining = count;

    public string? Verb { get; } = verb;

    public string? Resource { get; } = resource;

    public int StatusCode { get; } = statusCode;

    public int RetryAfterSeconds { get; } = retryAfterSeconds;

    public int Remaining => Volatile.Read(ref _remaining);

    public bool Matches(string verb, string resource) =>
        (Verb is null || Verb == verb) && (Resource is null || Resource == resource);

    /// <summary>Consumes one use; false when the rule is spent.</summary>
    public bool TryConsume()
    {
        while (true)
        {
            var current = Volatile.Read(ref _remaining);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _remaining, current - 1, current) == current)
            {
                return true;
            }
        }
    }
}
