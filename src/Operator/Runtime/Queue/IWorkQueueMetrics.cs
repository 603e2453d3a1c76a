namespace AgentOperator.Operator.Runtime.Queue;

/// <summary>What a <see cref="WorkQueue{TKey}"/> reports as it runs; the Prometheus implementation lives in Metrics.</summary>
internal interface IWorkQueueMetrics
{
    /// <summary>The number of keys ready to be handed to a worker changed.</summary>
    void DepthChanged(int depth);

    /// <summary>A key was scheduled for a retry after a failure.</summary>
    void Retried();

    /// <summary>Nothing is reported.</summary>
    public static IWorkQueueMetrics None { get; } = new NoWorkQueueMetrics();

    private sealed class NoWorkQueueMetrics : IWorkQueueMetrics
    {
        public void DepthChanged(int depth)
        {
        }

        public void Retried()
        {
        }
    }
}
