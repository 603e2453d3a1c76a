using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>
/// Drives the world toward the desired state of one kind of object.
/// <para>The contract (controller-runtime's):</para>
/// <list type="bullet">
/// <item><b>Level-based.</b> The request carries only the object's namespace and name, never the event that
/// caused it. Read the current object (and its children) from the informer caches and act on the whole state;
/// the object may since have changed or been deleted (a missing object is not an error: return
/// <see cref="ReconcileResult.Success"/>).</item>
/// <item><b>Never concurrent per object.</b> The same key is never reconciled twice at once; different keys run in
/// parallel on the controller's workers.</item>
/// <item><b>Failure means retry with backoff.</b> A thrown exception or <see cref="ReconcileResult.Failure"/>
/// re-queues the key after a per-key exponential backoff (5 ms doubling up to 1000 s) within an overall rate
/// limit.</item>
/// <item><b>Terminal means stop.</b> <see cref="ReconcileResult.Terminal"/> is for errors a retry cannot fix
/// (invalid spec): the key is not retried until the object (or a child) changes again.</item>
/// <item><b>RequeueAfter means look again later.</b> <see cref="ReconcileResult.RequeueAfter"/> re-queues the key
/// after the delay; an earlier pending look wins.</item>
/// <item><b>Success means done.</b> Nothing happens until the next event or periodic resync.</item>
/// <item><b>Idempotent and cancellable.</b> The token is cancelled when the operator loses leadership or shuts
/// down; stop promptly, and expect the key to be reconciled again from the start.</item>
/// </list>
/// </summary>
internal interface IReconciler<TResource>
    where TResource : class, IKubernetesObject<V1ObjectMeta>
{
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
