namespace AgentOperator.Gateway.Upstreams;

/// <summary>Carries an allowed call to its upstream, with timeout, retries for reads and a circuit breaker.</summary>
public interface IToolUpstream
{
    /// <summary>
    /// Calls the upstream. Never throws for upstream failures: they come back as a failed
    /// <see cref="UpstreamOutcome"/>. Throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<UpstreamOutcome> CallAsync(UpstreamCall upstreamCall, CancellationToken cancellationToken);
}
