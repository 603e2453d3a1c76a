namespace AgentOperator.Contracts;

/// <summary>
/// Metric names of webhook notifications (the operator exports them; dashboards and alerts read them). Labels:
/// <c>namespace</c> and <c>webhook</c> (the entry's name in the namespace's notification ConfigMap), <c>format</c>
/// (generic, slack), <c>result</c> or <c>reason</c> as each one says.
/// </summary>
public static class NotificationMetrics
{
    /// <summary>HTTP attempts to deliver a notification, labelled namespace, webhook, result (delivered, rejected, server_error, timeout, network_error).</summary>
    public const string Attempts = "agentoperator_notification_attempts_total";

    /// <summary>
    /// Notifications that were not delivered, labelled namespace, webhook, reason (gave_up after every retry, rejected by a
    /// 4xx answer, secret_missing, secret_forbidden, config_invalid, queue_full).
    /// </summary>
    public const string Failures = "agentoperator_notification_failures_total";

    /// <summary>Seconds from the change being observed to the receiver's 2xx answer, retries included, labelled format.</summary>
    public const string DeliveryLatency = "agentoperator_notification_delivery_seconds";

    /// <summary>Notifications waiting in the bounded queue.</summary>
    public const string QueueDepth = "agentoperator_notification_queue_depth";
}
