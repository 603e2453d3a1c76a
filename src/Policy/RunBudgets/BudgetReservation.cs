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

    /// <summary>What is held.</summary>
    public Usage Amount { get; }

    /// <summary>True once settled or released.</summary>
    public bool IsFinished => Volatile.Read(ref _finished) == 1;

    /// <summary>
    /// Replaces the held amount with what the call actually used. Returns the budget the run exceeded
    /// because of it (the run is then terminated), or null. Only the first settle or release counts.
    /// </summary>
    public string? Settle(Usage actual) =>
        Interlocked.Exchange(ref _finished, 1) == 0 ? _ledger.Settle(Amount, actual) : null;

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
