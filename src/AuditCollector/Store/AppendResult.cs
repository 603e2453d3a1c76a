using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Store;

/// <summary>The outcome of appending a batch: an acknowledgement, or a refusal with its HTTP status, metric reason and one sentence.</summary>
public sealed record AppendResult(AuditAcknowledgement? Acknowledgement, int Status, string? Reason, string? Message)
{
    public static AppendResult Acknowledged(AuditAcknowledgement acknowledgement) => new(acknowledgement, StatusCodes.Status200OK, null, null);

    public static AppendResult Refused(int status, string reason, string message) => new(null, status, reason, message);
}
