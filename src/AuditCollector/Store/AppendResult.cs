using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// The outcome of appending a batch: an acknowledgement with the number of records it newly stored, or a refusal with
/// its HTTP status, metric reason and one sentence.
/// </summary>
public sealed record AppendResult(AuditAcknowledgement? Acknowledgement, int Status, string? Reason, string? Message, int Stored = 0)
{
    public static AppendResult Acknowledged(AuditAcknowledgement acknowledgement, int stored) => new(acknowledgement, StatusCodes.Status200OK, null, null, stored);

    public static AppendResult Refused(int status, string reason, string message) => new(null, status, reason, message);
}
