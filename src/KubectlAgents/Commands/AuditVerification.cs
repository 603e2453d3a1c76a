namespace AgentOperator.KubectlAgents.Commands;

/// <summary>What <c>kubectl agents audit verify -o json|yaml</c> prints: the verdict, and per chain its head, anchor and findings.</summary>
public sealed record AuditVerification(string ApiVersion, string Namespace, string Workflow, DateTimeOffset Since, bool Intact, long RecordsVerified, IReadOnlyList<AuditVerification.Chain> Chains)
{
    /// <summary>The version of this document.</summary>
    public const string Version = "agentoperator.io/audit-verification/v1";

    /// <summary>
    /// One chain: whose it is, its stored head (<paramref name="HeadSequence"/>) and last signed checkpoint, and, when it was
    /// verified, what was found; <paramref name="Problem"/>, <paramref name="Sequence"/>, <paramref name="File"/> and
    /// <paramref name="Line"/> name the first broken link.
    /// </summary>
    public sealed record Chain(string Id, string Pod, string Revision, long HeadSequence, long? AnchorSequence, string? AnchorSha256, DateTimeOffset? AnchorTime,
        bool Verified, long? Records, long? Expired, int? Checkpoints, long? AnchoredThrough, string? Problem, long? Sequence, string? File, int? Line);
}
