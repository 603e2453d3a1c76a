using System.Diagnostics;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Runs;

/// <summary>One run: its budget ledger, the revision it started under, its span, and how it ended.</summary>
public sealed class RunState(RunLedger ledger, MetricLabels labels, Activity? activity)
{
    private string? _outcome;
    private long _lastActivityTicks = ledger.StartedAt.UtcTicks;

    /// <summary>Run id.</summary>
    public string Id => Ledger.RunId;

    /// <summary>The budget account (reserve before a call, settle after).</summary>
    public RunLedger Ledger { get; } = ledger;

    /// <summary>Workflow and revision the run started under; its metrics carry these labels.</summary>
    public MetricLabels Labels { get; } = labels;

    /// <summary>The run's span; tool and model spans are its children. Ended with the run.</summary>
    public Activity? Activity { get; } = activity;

    /// <summary>success, escalated, failed or budget_exceeded once ended; null while running.</summary>
    public string? Outcome => Volatile.Read(ref _outcome);

    /// <summary>When the run was started or last looked up for a call: idle runs expire from here.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>Marks the run active at <paramref name="at"/>.</summary>
    public void Touch(DateTimeOffset at) => Interlocked.Exchange(ref _lastActivityTicks, at.UtcTicks);

    /// <summary>When the run ended.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Ends the run with <paramref name="outcome"/>; false when it had already ended (first end wins).</summary>
    public bool TryEnd(string outcome, DateTimeOffset at)
    {
        if (Interlocked.CompareExchange(ref _outcome, outcome, null) is not null)
        {
            return false;
        }

        EndedAt = at;
        return true;
    }
}
