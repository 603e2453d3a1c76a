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

    /// <summary>
    /// Atomically holds <paramref name="fixedPart"/> plus <c>units × </c><paramref name="perUnit"/> for the largest
    /// <c>units</c> up to <paramref name="maxUnits"/> that fits every budget, e.g. a model call's step and prompt
    /// plus as many completion tokens as the run can still pay for. Refused when fewer than
    /// <paramref name="minUnits"/> fit: the run is terminated when its settled usage alone leaves no room (nothing
    /// in flight can give budget back), otherwise the refusal is <see cref="ReservationResult.Retryable"/> and the
    /// run goes on.
    /// </summary>
    public ReservationResult TryReserveLargest(Usage fixedPart, Usage perUnit, long minUnits, long maxUnits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minUnits);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUnits, minUnits);
        lock (_gate)
        {
            if (TerminateIfExceeded(_committed + _reserved) is { } ended)
            {
                return new ReservationResult(null, ended, BudgetCheck.Describe(ended, Limits));
            }

            var (units, limitedBy) = LargestFit(_committed + _reserved, fixedPart, perUnit, maxUnits);
            if (units >= minUnits)
            {
                var amount = fixedPart + Scale(perUnit, units);
                _reserved += amount;
                return new ReservationResult(new BudgetReservation(this, amount), null, null) { Units = units };
            }

            var budget = limitedBy ?? BudgetNames.MaxTokensTotal;
            var reason = Shortfall(budget, _committed + _reserved, fixedPart, minUnits);
            if (LargestFit(_committed, fixedPart, perUnit, maxUnits).Units >= minUnits)
            {
                return new ReservationResult(null, budget, reason + " Calls of this run still in flight hold the rest; retry when they finish.") { Retryable = true };
            }

            _terminatedBy = budget;
            return new ReservationResult(null, budget, reason + " The run is terminated.");
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

    internal string? TryGrow(Usage extra)
    {
        lock (_gate)
        {
            if ((_terminatedBy ?? BudgetCheck.FirstExceeded(Limits, _committed + _reserved + extra, ElapsedSeconds)) is { } exceeded)
            {
                return exceeded;
            }

            _reserved += extra;
            return null;
        }
    }

    private (long Units, string? LimitedBy) LargestFit(Usage used, Usage fixedPart, Usage perUnit, long maxUnits)
    {
        if (BudgetCheck.FirstExceeded(Limits, used + fixedPart, ElapsedSeconds) is { } exceeded)
        {
            return (-1, exceeded);
        }

        var (units, limitedBy) = (maxUnits, (string?)null);
        if (Limits.MaxTokensTotal is { } tokens && perUnit.Tokens > 0)
        {
            var fit = (tokens - used.Tokens - fixedPart.Tokens) / perUnit.Tokens;
            (units, limitedBy) = fit < units ? (fit, BudgetNames.MaxTokensTotal) : (units, limitedBy);
        }

        if (Limits.MaxCostUsd is { } cost && perUnit.CostUsd > 0)
        {
            // The same tolerance as BudgetCheck, so an exact fit is not refused for rounding.
            var fit = (long)Math.Floor((cost + 1e-9 - used.CostUsd - fixedPart.CostUsd) / perUnit.CostUsd);
            (units, limitedBy) = fit < units ? (fit, BudgetNames.MaxCostUsd) : (units, limitedBy);
        }

        return (units, limitedBy);
    }

    private string Shortfall(string budget, Usage used, Usage fixedPart, long minUnits) => budget switch
    {
        BudgetNames.MaxTokensTotal =>
            $"The run has {Math.Max(0, Limits.MaxTokensTotal!.Value - used.Tokens)} of its {Limits.MaxTokensTotal} tokens (maxTokensTotal) left, less than this call needs at least: its prompt (about {fixedPart.Tokens} tokens) plus {minUnits} completion tokens.",
        BudgetNames.MaxCostUsd =>
            $"The run has {Math.Max(0, Limits.MaxCostUsd!.Value - used.CostUsd):0.######} of its {Limits.MaxCostUsd} USD (maxCostUsd) left, less than this call needs at least: its prompt (about {fixedPart.Tokens} tokens) plus {minUnits} completion tokens.",
        _ => BudgetCheck.Describe(budget, Limits).Replace(" and is terminated.", ".", StringComparison.Ordinal),
    };

    private static Usage Scale(Usage perUnit, long units) =>
        new((int)(perUnit.Steps * units), (int)(perUnit.ToolCalls * units), perUnit.Tokens * units, perUnit.CostUsd * units);

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
