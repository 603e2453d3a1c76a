using AgentOperator.Operator.Runtime.Reconciliation;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// Runs the shared informers for the host's lifetime, whether or not this replica leads: a follower keeps warm
/// caches so it can take over at once.
/// </summary>
internal sealed class InformersHostedService(SharedInformerFactory informers, IEnumerable<IController> controllers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the controllers creates (and wires) their informers before any starts.
        _ = controllers.Count();
        informers.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => informers.StopAsync().WaitAsync(cancellationToken);
}
