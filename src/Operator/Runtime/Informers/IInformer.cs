namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>An informer seen without its type: what the host needs to run it and to report readiness.</summary>
internal interface IInformer
{
    ResourceKind Kind { get; }

    /// <summary>True once the first list has filled the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Lists and watches until cancelled; never throws for API failures (it logs and retries).</summary>
    Task RunAsync(CancellationToken cancellationToken);

    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
