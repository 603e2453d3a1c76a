namespace AgentOperator.Contracts;

/// <summary>
/// One chain of a workflow as the collector lists it: whose it is, how far it is stored, which files it has, and its
/// anchored head, the latest signed checkpoint (sequence, SHA-256, time; null before the first), which anyone holding the
/// collector's public key can check and no gateway can produce.
/// </summary>
public sealed record AuditChainListing(string Chain, string Pod, string Revision, long DurableThrough, IReadOnlyList<string> Files, AuditCheckpoint? Anchor = null);
