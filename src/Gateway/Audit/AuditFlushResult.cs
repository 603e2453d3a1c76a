namespace AgentOperator.Gateway.Audit;

/// <summary>
/// The answer of a flush: the last record written in the pod, the last one the collector acknowledged (null without a
/// collector: the log stays in the pod) and how long it took.
/// </summary>
public sealed record AuditFlushResult(long WrittenThrough, long? AcknowledgedThrough, double Seconds);
