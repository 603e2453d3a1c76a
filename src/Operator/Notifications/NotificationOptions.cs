using AgentOperator.Contracts;

namespace AgentOperator.Operator.Notifications;

/// <summary>How the operator delivers notifications. Each default is the one on its property.</summary>
internal sealed record NotificationOptions
{
    /// <summary>
    /// Base of the console links in notifications (<c>--console-url</c>); default <c>http://127.0.0.1:3110</c>, where
    /// <c>kubectl agents console</c> serves by default on the reader's own machine.
    /// </summary>
    public Uri ConsoleUrl { get; init; } = ConsoleLinks.DefaultBase;

    /// <summary>Notifications waiting for delivery at most (default 1000); beyond it new ones are dropped and counted (reason queue_full).</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>Deliveries in flight at once (default 4), so one slow receiver does not hold back the others.</summary>
    public int MaxConcurrentDeliveries { get; init; } = 4;

    /// <summary>HTTP attempts per webhook and notification (default 6: the first and five retries).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Wait before the first retry (default 1 s); it doubles each retry, ±10 % jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two attempts (default 60 s), also the cap of a receiver's Retry-After.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time one attempt may take, connect to last byte (default 10 s); then it counts as a timeout and is retried.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
