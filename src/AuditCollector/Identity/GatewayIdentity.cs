namespace AgentOperator.AuditCollector.Identity;

/// <summary>
/// Who is shipping, as the API server says: the ServiceAccount and pod bound into the gateway's token (TokenReview),
/// and the workflow and revision that own that ServiceAccount. A gateway never names its own chain.
/// </summary>
public sealed record GatewayIdentity(string Namespace, string ServiceAccount, string Pod, string Workflow, string Revision)
{
    /// <summary>The chain: one per pod.</summary>
    public string Chain => $"{Namespace}/{Pod}";
}
