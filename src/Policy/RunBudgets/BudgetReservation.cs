namespace AgentOperator.Policy.RunBudgets;

/// <summary>
/// Run resources held for one in-flight call. Settle it with the actual usage once the call is done;
/// disposing an unsettled reservation releases it (the call did not happen).
/// </summary>
public sealed class BudgetReservation : IDisposable
{
    private readonly RunLedger _ledger;
    private int _finished;

    internal BudgetReservation(RunLedger ledger, Usage amount)
    {
        _ledger = ledger;
        Amount = amount;
    }

    /// <summary>What is held (grows with <see cref="TryGrow"/>).</summary>
    public Usage Amount { get; private set; }

    /// <summary>True once settled or released.</summary>
    public bool IsFinished => Volatile.Read(ref _finished) == 1;

    /// <summary>
    /// Replaces the held amount with what the call actually used. Returns the budget the run exceeded
    /// because of it (the run is then terminated), or null. Only the first settle or release counts.
    /// </summary>
    public string? Settle(Usage actual) =>
        Interlocked.Exchange(ref _finished, 1) == 0 ? _ledger.Settle(Amount, actual) : null;

    /// <summary>
    /// Holds <paramref name="extra"/> more if the run's budgets allow it, e.g. while a streamed answer runs past
    /// what was reserved; false (nothing changes, the run is not terminated) when they do not, with the budget
    /// that does not allow it, or when the reservation is finished. Not for concurrent use on one reservation.
    /// </summary>
    public bool TryGrow(Usage extra, out string? exceededBudget)
    {
        exceededBudget = IsFinished ? "reservation" : _ledger.TryGrow(extra);
        if (exceededBudget is not null)
        {
            return false;
        }

        Amount += extra;
        return true;
    }

    /// <summary>Gives the held amount back, e.g. when the upstream was never reached.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _ledger.Settle(Amount, Usage.None);
        }
    }

    /// <summary>Releases the reservation if it was neither settled nor released.</summary>
    public void Dispose() => Release();
}
