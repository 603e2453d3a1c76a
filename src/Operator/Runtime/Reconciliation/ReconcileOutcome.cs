namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>How a reconcile ended; also the <c>result</c> label of the reconcile metrics and spans.</summary>
internal enum ReconcileOutcome
{
    Success,
    RequeueAfter,
    Failure,
    Terminal,
}
