using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.RunBudgets;

/// <summary>
/// The budget account of one run. Calls reserve before they run and settle after, under one lock, so
/// concurrent calls can never together spend more than the budget. The first budget that would be
/// exceeded terminates the run; every later reservation is refused with that budget's name.
/// </summary>
public sealed class RunLedger
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private Usage _committed;
    private Usage _reserved;
    private string? _terminatedBy;

    /// <summary>Starts a run's account now (per <paramref name="timeProvider"/>).</summary>
    public RunLedger(string runId, Budgets limits, TimeProvider timeProvider, string? task = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(timeProvider);
        RunId = runId;
        Limits = limits;
        Task = task;
        _timeProvider = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
        StartedAt = timeProvider.GetUtcNow();
    }

    /// <summary>Run id.</summary>
    public string RunId { get; }

    /// <summary>The task the run was started with.</summary>
    public string? Task { get; }

    /// <summary>The budgets of the run.</summary>
    public Budgets Limits { get; }

    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Seconds since the run started.</summary>
    public double ElapsedSeconds => _timeProvider.GetElapsedTime(_startTimestamp).TotalSeconds;

    /// <summary>The budget that terminated the run, or null while it runs.</summary>
    public string? TerminatedBy
    {
        get
        {
            lock (_gate)
            {
                return _terminatedBy;
            }
        }
    }

    /// <summary>Usage settled so far.</summary>
    public Usage Committed
    {
        get
        {
            lock (_gate)
            {
                return _committed;
            }
        }
    }

    /// <summary>Usage held by in-flight calls.</summary>
    public Usage Reserved
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    /// <summary>
    /// Checks the wall time and whether the run was terminated; returns the terminating budget's name or null.
    /// </summary>
    public string? CheckTermination()
    {
        lock (_gate)
        {
            return TerminateIfExceeded(_committed + _reserved);
        }
    }

    /// <summary>
    /// Atomically holds <paramref name="amount"/> if committed + reserved + amount fits every budget;
    /// otherwise refuses and terminates the run with the budget that would be exceeded.
    /// </summary>
    public ReservationResult TryReserve(Usage amount)
    {
        lock (_gate)
        {
            var exceeded = _terminatedBy ?? TerminateIfExceeded(_committed + _reserved + amount);
            if (exceeded is not null)
            {
                return new ReservationResult(null, exceeded, BudgetCheck.Describe(exceeded, Limits));
            }

            _reserved += amount;
            return new ReservationResult(new BudgetReservation(this, amount), null, null);
        }
    }

    /// <summary>Records usage that was never reserved (e.g. reported by the agent); returns the budget exceeded, if any.</summary>
    public string? Record(Usage actual)
    {
        lock (_gate)
        {
            _committed += actual;
            return TerminateIfExceeded(_committed + _reserved);
        }
    }

    /// <summary>Terminates the run for a reason outside the ledger (first reason wins).</summary>
    public void Terminate(string budgetName)
    {
        lock (_gate)
        {
            _terminatedBy ??= budgetName;
        }
    }

    /// <summary>The run's counters now: committed plus in-flight reservations.</summary>
    public RunSnapshot Snapshot()
    {
        lock (_gate)
        {
            var total = _committed + _reserved;
            return new RunSnapshot
            {
                RunId = RunId,
                Task = Task,
                Steps = total.Steps,
                ToolCalls = total.ToolCalls,
                Tokens = total.Tokens,
                CostUsd = total.CostUsd,
                ElapsedSeconds = ElapsedSeconds,
                TerminatedBy = _terminatedBy,
            };
        }
    }

    internal string? Settle(Usage reservedAmount, Usage actual)
    {
        lock (_gate)
        {
            _reserved -= reservedAmount;
            _committed += actual;
            // The call already happened: an actual above the reservation cannot be undone, but it ends the run.
            return TerminateIfExceeded(_committed + _reserved);
        }
    }

    private string? TerminateIfExceeded(Usage total)
    {
        if (_terminatedBy is not null)
        {
            return _terminatedBy;
        }

        _terminatedBy = BudgetCheck.FirstExceeded(Limits, total, ElapsedSeconds);
        return _terminatedBy;
    }
}
