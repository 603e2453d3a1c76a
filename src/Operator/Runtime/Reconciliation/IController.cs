namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>A controller seen without its type: what leader election and health need.</summary>
internal interface IController
{
    string Name { get; }

    /// <summary>True when every informer the controller reads has listed once.</summary>
    bool HasSynced { get; }

    /// <summary>Adds every cached primary object to the queue (when a term of leadership starts).</summary>
    void EnqueueAll();

    /// <summary>
    /// Runs the workers until <paramref name="stopTaking"/> (finish the reconciles in flight, take no more) or
    /// <paramref name="abort"/> (cancel the reconciles in flight too) is cancelled.
    /// </summary>
    Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abort);

    /// <summary>Stops the queue for good (host shutdown).</summary>
    void ShutDown();
}
