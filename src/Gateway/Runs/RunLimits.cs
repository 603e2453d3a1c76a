namespace AgentOperator.Gateway.Runs;

/// <summary>How many runs a gateway keeps open, and how long an open run may go without a call.</summary>
/// <param name="MaxOpenRuns">Open runs at most; a start beyond it is refused with 429.</param>
/// <param name="IdleTimeout">A run without a call for this long ends as failed (<see cref="RunRegistry.IdleRule"/>).</param>
public sealed record RunLimits(int MaxOpenRuns, TimeSpan IdleTimeout);
