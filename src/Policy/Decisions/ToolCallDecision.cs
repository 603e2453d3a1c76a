using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Decisions;

/// <summary>The decision on a tool call, with what the gateway needs to carry it out and record it.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Run">The run's counters the decision was made on (for the audit record and replay).</param>
/// <param name="Reservation">
/// For Allow only: the held budget; settle it with the call's actual usage when the upstream answered,
/// or release it if the upstream was never reached.
/// </param>
public sealed record ToolCallDecision(Decision Decision, RunSnapshot Run, BudgetReservation? Reservation);
