using AgentOperator.Contracts;
using Prometheus;

namespace AgentOperator.Operator.Notifications;

/// <summary>The notifier's Prometheus metrics; names from <see cref="NotificationMetrics"/>.</summary>
internal sealed class NotificationMetricsRecorder
{
    private readonly Counter _attempts;
    private readonly Counter _failures;
    private readonly Histogram _latency;
    private readonly Gauge _depth;

    public NotificationMetricsRecorder(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _attempts = factory.CreateCounter(NotificationMetrics.Attempts, "HTTP attempts to deliver a notification to a webhook, by result.", "namespace", "webhook", "result");
        _failures = factory.CreateCounter(NotificationMetrics.Failures, "Notifications not delivered to a webhook, by reason.", "namespace", "webhook", "reason");
        _latency = factory.CreateHistogram(NotificationMetrics.DeliveryLatency, "Seconds from the change being observed to the webhook's 2xx answer, retries included.", new HistogramConfiguration
        {
            LabelNames = ["format"],
            Buckets = Histogram.ExponentialBuckets(0.005, 2, 16), // 5 ms .. ~164 s
        });
        _depth = factory.CreateGauge(NotificationMetrics.QueueDepth, "Notifications waiting for delivery.");
    }

    public void Attempt(string @namespace, string webhook, string result) => _attempts.WithLabels(@namespace, webhook, result).Inc();

    public void Failure(string @namespace, string webhook, string reason) => _failures.WithLabels(@namespace, webhook, reason).Inc();

    public void Delivered(WebhookFormat format, TimeSpan latency) => _latency.WithLabels(format.ToString().ToLowerInvariant()).Observe(latency.TotalSeconds);

    public void QueueDepth(int depth) => _depth.Set(depth);
}
