namespace AgentOperator.Policy.RunBudgets;

/// <summary>The answer to <see cref="RunLedger.TryReserve"/>: a reservation, or the budget that refused it.</summary>
/// <param name="Reservation">The reservation to settle after the call; null when refused.</param>
/// <param name="ExceededBudget">The budget that refused (and terminated the run unless <see cref="Retryable"/>); null when granted.</param>
/// <param name="Reason">One human sentence when refused.</param>
public sealed record ReservationResult(BudgetReservation? Reservation, string? ExceededBudget, string? Reason)
{
    /// <summary>True when the reservation was granted.</summary>
    public bool Succeeded => Reservation is not null;

    /// <summary>For <see cref="RunLedger.TryReserveLargest"/>: how many units were reserved.</summary>
    public long Units { get; init; }

    /// <summary>
    /// True when the refusal is only because calls still in flight hold budget: the run was not terminated and
    /// the same call may fit once they settle.
    /// </summary>
    public bool Retryable { get; init; }
}
