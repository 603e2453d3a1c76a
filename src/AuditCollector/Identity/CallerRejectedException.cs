namespace AgentOperator.AuditCollector.Identity;

/// <summary>A request the collector refuses for who sent it; <see cref="Status"/> is 401 or 403, the message says why.</summary>
public sealed class CallerRejectedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
