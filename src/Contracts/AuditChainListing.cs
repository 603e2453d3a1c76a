namespace AgentOperator.Contracts;

/// <summary>One chain of a workflow as the collector lists it: whose it is, how far it is stored, which files it has.</summary>
public sealed record AuditChainListing(string Chain, string Pod, string Revision, long DurableThrough, IReadOnlyList<string> Files);
