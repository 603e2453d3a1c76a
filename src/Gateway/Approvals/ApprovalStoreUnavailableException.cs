namespace AgentOperator.Gateway.Approvals;

/// <summary>An approval request could not be recorded; the message names the store and what it answered.</summary>
public sealed class ApprovalStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
