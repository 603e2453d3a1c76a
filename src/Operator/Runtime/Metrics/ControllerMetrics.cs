using AgentOperator.Operator.Runtime.Queue;
using AgentOperator.Operator.Runtime.Reconciliation;
using Prometheus;

namespace AgentOperator.Operator.Runtime.Metrics;

/// <summary>The operator's Prometheus metrics (prefix <c>agentoperator_</c>), registered in one registry.</summary>
internal sealed class ControllerMetrics
{
    private readonly Counter _reconciles;
    private readonly Counter _errors;
    private readonly Histogram _duration;
    private readonly Gauge _depth;
    private readonly Counter _retries;
    private readonly Gauge _activeWorkers;
    private readonly Gauge _leader;

    public ControllerMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _reconciles = factory.CreateCounter("agentoperator_reconcile_total", "Reconciles by controller and result (success, requeue_after, failure, terminal).", "controller", "result");
        _errors = factory.CreateCounter("agentoperator_reconcile_errors_total", "Reconciles that failed (threw, returned Failure or Terminal).", "controller");
        _duration = factory.CreateHistogram("agentoperator_reconcile_duration_seconds", "Time spent in one reconcile.", new HistogramConfiguration
        {
            LabelNames = ["controller"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 17), // 1 ms .. ~65 s
        });
        _depth = factory.CreateGauge("agentoperator_workqueue_depth", "Keys waiting for a worker.", "controller");
        _retries = factory.CreateCounter("agentoperator_workqueue_retries_total", "Keys re-queued with backoff after a failure.", "controller");
        _activeWorkers = factory.CreateGauge("agentoperator_active_workers", "Workers reconciling right now.", "controller");
        _leader = factory.CreateGauge("agentoperator_leader", "1 while this replica holds the leader lease (or runs without leader election).");
    }

    /// <summary>The registry these metrics live in; controllers register their own metrics beside them.</summary>
    public CollectorRegistry Registry { get; }

    public void Reconciled(string controller, ReconcileOutcome outcome, TimeSpan duration)
    {
        _reconciles.WithLabels(controller, ResultLabel(outcome)).Inc();
        if (outcome is ReconcileOutcome.Failure or ReconcileOutcome.Terminal)
        {
            _errors.WithLabels(controller).Inc();
        }

        _duration.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    public void WorkerStarted(string controller) => _activeWorkers.WithLabels(controller).Inc();

    public void WorkerFinished(string controller) => _activeWorkers.WithLabels(controller).Dec();

    public void Leading(bool leading) => _leader.Set(leading ? 1 : 0);

    public IWorkQueueMetrics ForQueue(string controller) => new QueueMetrics(_depth.WithLabels(controller), _retries.WithLabels(controller));

    /// <summary>The <c>result</c> label: snake_case of the outcome.</summary>
    public static string ResultLabel(ReconcileOutcome outcome) => outcome switch
    {
        ReconcileOutcome.Success => "success",
        ReconcileOutcome.RequeueAfter => "requeue_after",
        ReconcileOutcome.Failure => "failure",
        ReconcileOutcome.Terminal => "terminal",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    private sealed class QueueMetrics(Gauge.Child depth, Counter.Child retries) : IWorkQueueMetrics
    {
        public void DepthChanged(int value) => depth.Set(value);

        public void Retried() => retries.Inc();
    }
}
