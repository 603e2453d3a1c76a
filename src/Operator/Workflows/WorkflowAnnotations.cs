namespace AgentOperator.Operator.Workflows;

/// <summary>Finalizer, annotations and Event names the AgentWorkflow reconciler reads or writes.</summary>
internal static class WorkflowAnnotations
{
    /// <summary>Finalizer on every AgentWorkflow: its credentials are revoked and its children deleted before it goes.</summary>
    public const string CleanupFinalizer = "agentoperator.io/cleanup";

    /// <summary>Set by a user (value: a request id) to revoke every token of the workflow's revisions.</summary>
    public const string RevokeCredentials = "agentoperator.io/revoke-credentials";

    /// <summary>
    /// On the pod template: the last handled revocation request id. Changing it rolls the pods, which hold tokens of
    /// the ServiceAccount that was recreated.
    /// </summary>
    public const string CredentialsRevision = "agentoperator.io/credentials-revocation";
}
