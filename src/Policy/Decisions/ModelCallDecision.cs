using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Decisions;

/// <summary>The decision on a model call.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Model">The role's pinned model when the role is declared.</param>
/// <param name="Reservation">
/// For Allow only: one step plus the worst-case tokens and cost; settle it with the response's usage
/// (see <see cref="BundleModel.CostUsd"/>).
/// </param>
public sealed record ModelCallDecision(Decision Decision, BundleModel? Model, BudgetReservation? Reservation);
