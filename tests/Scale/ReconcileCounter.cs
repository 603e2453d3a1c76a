using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Reconciliation;

namespace AgentOperator.Scale;

/// <summary>Counts reconciles around the real reconciler.</summary>
internal sealed class ReconcileCounter(IReconciler<AgentWorkflow> inner) : IReconciler<AgentWorkflow>
{
    private long _finished;
    private long _failed;

    public long Finished => Interlocked.Read(ref _finished);

    public long Failed => Interlocked.Read(ref _failed);

    public void Reset()
    {
        Interlocked.Exchange(ref _finished, 0);
        Interlocked.Exchange(ref _failed, 0);
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            var result = await inner.ReconcileAsync(key, cancellationToken);
            if (result.Outcome is ReconcileOutcome.Failure or ReconcileOutcome.Terminal)
            {
                Interlocked.Increment(ref _failed);
            }

            return result;
        }
        finally
        {
            Interlocked.Increment(ref _finished);
        }
    }
}
