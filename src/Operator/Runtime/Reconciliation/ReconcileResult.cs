namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>What a reconcile asks of the queue. Build it with the named factories.</summary>
internal sealed record ReconcileResult
{
    private static readonly ReconcileResult Done = new(ReconcileOutcome.Success, TimeSpan.Zero, null, null);

    private ReconcileResult(ReconcileOutcome outcome, TimeSpan delay, string? reason, Exception? error)
    {
        Outcome = outcome;
        Delay = delay;
        Reason = reason;
        Error = error;
    }

    public ReconcileOutcome Outcome { get; }

    /// <summary>How long to wait before looking again; only for <see cref="ReconcileOutcome.RequeueAfter"/>.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Why a reconcile failed or was requeued, for logs and spans.</summary>
    public string? Reason { get; }

    public Exception? Error { get; }

    /// <summary>The object is as desired; wait for the next event.</summary>
    public static ReconcileResult Success() => Done;

    /// <summary>Look at the object again after <paramref name="delay"/> (e.g. the next analysis interval).</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay, string? reason = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delay, TimeSpan.Zero);
        return new(ReconcileOutcome.RequeueAfter, delay, reason, null);
    }

    /// <summary>A transient failure: retry with per-key exponential backoff.</summary>
    public static ReconcileResult Failure(string reason, Exception? error = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new(ReconcileOutcome.Failure, TimeSpan.Zero, reason, error);
    }

    /// <summary>A failure a retry cannot fix: do not retry until the object changes.</summary>
    public static ReconcileResult Terminal(string reason, Exception? error = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new(ReconcileOutcome.Terminal, TimeSpan.Zero, reason, error);
    }
}
