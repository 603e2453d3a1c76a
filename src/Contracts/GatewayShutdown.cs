namespace AgentOperator.Contracts;

/// <summary>
/// The gateway's graceful termination, the budget the operator's pod spec and the gateway share. When a pod is deleted
/// (a promotion, a rollback, an eviction) the kubelet first runs the gateway container's preStop hook, the gateway's
/// own <c>flush</c> command (<see cref="GatewayFlushArguments"/>), which has the running gateway ship every record
/// written so far and waits for the collector's acknowledgement; then it sends SIGTERM, and the gateway ships what
/// was written since, for at most <see cref="DrainTimeout"/>. Both fit in <see cref="TerminationGracePeriodSeconds"/>;
/// whatever does not make it stays in the pod's buffer for a successor (and is lost with the pod only if none comes).
/// </summary>
public static class GatewayShutdown
{
    /// <summary>The pod's terminationGracePeriodSeconds: the preStop flush, the SIGTERM drain and closing the listeners.</summary>
    public const int TerminationGracePeriodSeconds = 30;

    /// <summary>How long the preStop flush waits for the collector to acknowledge the buffer.</summary>
    public static readonly TimeSpan PreStopFlushTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long the gateway, on SIGTERM, keeps shipping what is not yet acknowledged.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// POST, on the gateway's loopback agent-API port: ship the buffer now and answer once the collector has acknowledged
    /// everything written before the request (200), or when <see cref="PreStopFlushTimeout"/> passed (503, naming the store).
    /// Loopback only: the kubelet's exec of the <c>flush</c> command reaches it from inside the container; shipping
    /// early is all it can cause.
    /// </summary>
    public const string AuditFlushPath = "/v1/audit/flush";
}
