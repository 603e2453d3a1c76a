namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>How informers list and watch. Every default is written on its property.</summary>
internal sealed record InformerOptions
{
    /// <summary>Watch only this namespace; null (default) watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// How often every cached object is re-announced so its controller reconciles it again even without a
    /// change (default 10 min, controller-runtime's order of magnitude); <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Items per list page (default 500, client-go's).</summary>
    public int ListPageSize { get; init; } = 500;

    /// <summary>
    /// A watch asks the server to end it after a random time between this and twice this (default 5 min, as
    /// client-go), so connections are renewed and load spreads.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait before reconnecting a failed list or watch (default 200 ms); doubles per failure.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait before reconnecting (default 30 s).</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}
