using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Reconciliation;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>Counts finished reconciles and remembers the last result per key, around the real reconciler.</summary>
internal sealed class CountingReconciler(IReconciler<AgentWorkflow> inner) : IReconciler<AgentWorkflow>
{
    private int _finished;
    private int _failed;

    public int Finished => Volatile.Read(ref _finished);

    public int Failed => Volatile.Read(ref _failed);

    public string? LastFailure { get; private set; }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            var result = await inner.ReconcileAsync(key, cancellationToken);
            if (result.Outcome is ReconcileOutcome.Failure or ReconcileOutcome.Terminal)
            {
                Interlocked.Increment(ref _failed);
                LastFailure = $"{key}: {result.Reason}";
            }

            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.Increment(ref _failed);
            LastFailure = $"{key}: {e.GetType().Name}: {e.Message}";
            throw;
        }
        finally
        {
            Interlocked.Increment(ref _finished);
        }
    }
}
