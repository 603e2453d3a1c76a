using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// A controller fed by the store's own change stream (no HTTP, no resync needed: the internal subscription
/// never drops events). Errors are logged and the loop continues, like a controller's worker.
/// </summary>
internal abstract class EventLoopController(ObjectStore store, ILogger logger) : IClusterController
{
    protected ObjectStore Store => store;

    public async Task RunAsync(CancellationToken ct)
    {
        using var sub = store.Subscribe(null, null, null, initialState: false, int.MaxValue, isInternal: true, out _, out _);
        await StartAsync(ct);
        try
        {
            await foreach (var e in sub.ReadAllAsync(ct))
            {
                if (!Wants(e.Resource))
                {
                    continue;
                }

                try
                {
                    await HandleAsync(e, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.ControllerFailed(logger, ex, GetType().Name, e.Type.ToString(), e.Resource.ToString(), e.Object.Namespace, e.Object.Name);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs once before events flow (e.g. to reconcile what already exists).</summary>
    protected virtual Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract bool Wants(GroupResource resource);

    protected abstract Task HandleAsync(StoreEvent e, CancellationToken ct);
}
