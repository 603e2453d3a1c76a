namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>How a controller runs. Every default is written on its property.</summary>
internal sealed record ControllerOptions
{
    /// <summary>Keys reconciled in parallel (default 4); one key is never reconciled twice at once.</summary>
    public int MaxConcurrentReconciles { get; init; } = 4;

    /// <summary>Backoff after a key's first failure (default 5 ms, controller-runtime's); doubles per failure.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest backoff of a key (default 1000 s, controller-runtime's).</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(1000);

    /// <summary>Overall retries per second across keys (default 10, controller-runtime's).</summary>
    public double RetryRatePerSecond { get; init; } = 10;

    /// <summary>Retries allowed at once before <see cref="RetryRatePerSecond"/> applies (default 100, controller-runtime's).</summary>
    public int RetryBurst { get; init; } = 100;
}
