using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Workflows;

/// <summary>Finalizer, annotations and Event names the AgentWorkflow reconciler reads or writes.</summary>
internal static class WorkflowAnnotations
{
    /// <summary>Finalizer on every AgentWorkflow: its credentials are revoked and its children deleted before it goes.</summary>
    public const string CleanupFinalizer = "agentoperator.io/cleanup";

    /// <summary>Set by a user (value: a request id) to revoke every token of the workflow's revisions.</summary>
    public const string RevokeCredentials = AgentWorkflowAnnotations.RevokeCredentials;

    /// <summary>
    /// On the pod template: the last handled revocation request id. Changing it rolls the pods, which hold tokens of
    /// the ServiceAccount that was recreated.
    /// </summary>
    public const string CredentialsRevision = "agentoperator.io/credentials-revocation";

    /// <summary>Value: the canary revision to promote now (remaining steps and analysis skipped); another value does nothing.</summary>
    public const string Promote = AgentWorkflowAnnotations.Promote;

    /// <summary>Value: the canary revision to abort (rolled back, outcome Aborted); another value does nothing.</summary>
    public const string Abort = AgentWorkflowAnnotations.Abort;

    /// <summary>"true" holds the canary at its step (analysis keeps running); removing it or any other value resumes.</summary>
    public const string Pause = AgentWorkflowAnnotations.Pause;

    /// <summary>Value: a request id; a new id rolls a rolled-back revision out again, once.</summary>
    public const string Retry = AgentWorkflowAnnotations.Retry;

    /// <summary>On an eval Job: the retry request it was created for (empty for the first attempt).</summary>
    public const string EvaluationAttempt = "agentoperator.io/evaluation-attempt";
}
