namespace AgentOperator.Policy.RunBudgets;

/// <summary>
/// A run's counters at one instant (committed usage plus outstanding reservations); this is what CEL
/// rules see as <c>run</c>, and what audit records carry so calls can be replayed.
/// </summary>
public sealed record RunSnapshot
{
    /// <summary>Run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The task the run was started with, if any.</summary>
    public string? Task { get; init; }

    /// <summary>Model turns so far.</summary>
    public int Steps { get; init; }

    /// <summary>Tool calls so far (this call not included).</summary>
    public int ToolCalls { get; init; }

    /// <summary>Tokens so far.</summary>
    public long Tokens { get; init; }

    /// <summary>Cost so far in USD.</summary>
    public double CostUsd { get; init; }

    /// <summary>Seconds since the run started.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Name of the budget that terminated the run, or null while it runs.</summary>
    public string? TerminatedBy { get; init; }

    /// <summary>The counters as a <see cref="Usage"/>.</summary>
    public Usage Usage => new(Steps, ToolCalls, Tokens, CostUsd);
}
