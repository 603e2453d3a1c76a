namespace AgentOperator.Gateway.Audit;

/// <summary>The audit store could not make a record durable in time; the message names the store and says why.</summary>
public sealed class AuditStoreUnavailableException(string message) : Exception(message);
