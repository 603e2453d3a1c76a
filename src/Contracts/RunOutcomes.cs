namespace AgentOperator.Contracts;

/// <summary>
/// Values of the <c>outcome</c> label of agent_runs_total and of <c>runsByOutcome</c> in /v1/aggregates: the gateway
/// records them, an agent reports the <see cref="Reportable"/> ones, the operator's analysis counts them.
/// </summary>
public static class RunOutcomes
{
    public const string Success = "success";
    public const string Escalated = "escalated";
    public const string Failed = "failed";
    public const string BudgetExceeded = "budget_exceeded";

    /// <summary>Outcomes an agent may report when completing a run.</summary>
    public static readonly IReadOnlySet<string> Reportable = new HashSet<string>(StringComparer.Ordinal) { Success, Escalated, Failed };
}
