using AgentOperator.Contracts;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Decisions;

/// <summary>The decision on a model call.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Model">The role's pinned model when the role is declared.</param>
/// <param name="Reservation">
/// For Allow only: one step, the prompt estimate and <see cref="MaxCompletionTokens"/> × choices completion
/// tokens with their cost; settle it with the response's usage (see <see cref="BundleModel.CostUsd"/>).
/// </param>
public sealed record ModelCallDecision(Decision Decision, BundleModel? Model, BudgetReservation? Reservation)
{
    /// <summary>
    /// For Allow: the completion cap (per choice) the gateway must send upstream: the smallest of what the
    /// request asked for, what maxTokensPerCall leaves after the prompt, and what the run's budgets still pay for.
    /// </summary>
    public long MaxCompletionTokens { get; init; }

    /// <summary>For a BudgetExceeded refusal: true when only calls in flight hold the budget (the run goes on).</summary>
    public bool Retryable { get; init; }

    /// <summary>The status of a refusal: 429 when a retry can succeed (<see cref="Retryable"/>), else the decision's.</summary>
    public int HttpStatus => Retryable ? RefusalStatuses.RetryLater : Decision.HttpStatus;
}
