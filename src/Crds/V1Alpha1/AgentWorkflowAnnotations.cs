namespace AgentOperator.Crds.V1Alpha1;

/// <summary>
/// The annotations people (and <c>kubectl agents</c>) set on an AgentWorkflow to act on it; the operator reads them.
/// Annotations rather than spec fields: a GitOps sync that does not know about them leaves them alone, and acting never
/// bumps the generation or changes the revision.
/// </summary>
public static class AgentWorkflowAnnotations
{
    /// <summary>Value: a request id; a new id revokes every token of the workflow's revisions.</summary>
    public const string RevokeCredentials = "agentoperator.io/revoke-credentials";

    /// <summary>
    /// Value: one revision. Present when a new <see cref="RevokeCredentials"/> id is handled, only that revision's tokens
    /// are revoked (the others keep serving untouched); absent, every live revision's are.
    /// </summary>
    public const string RevokeRevision = "agentoperator.io/revoke-revision";

    /// <summary>Value: the canary revision to promote now (remaining steps and analysis skipped); another value does nothing.</summary>
    public const string Promote = "agentoperator.io/promote";

    /// <summary>Value: the canary revision to abort (rolled back, outcome Aborted); another value does nothing.</summary>
    public const string Abort = "agentoperator.io/abort";

    /// <summary>"true" holds the canary at its step (analysis keeps running); removing it or any other value resumes.</summary>
    public const string Pause = "agentoperator.io/pause";

    /// <summary>Value: a request id; a new id rolls a rolled-back revision out again, once.</summary>
    public const string Retry = "agentoperator.io/retry";

    /// <summary>
    /// Present (value: who engaged it, when and why): the kill switch holds whatever <c>spec.killSwitch</c> says, until
    /// the annotation is removed (<c>kubectl agents unkill</c>). The emergency stop a GitOps self-heal cannot undo.
    /// </summary>
    public const string KillSwitch = "agentoperator.io/kill-switch";

    /// <summary>Whether the kill switch is engaged on <paramref name="workflow"/>: by its spec or by the annotation.</summary>
    public static bool KillSwitchEngaged(AgentWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return workflow.Spec?.KillSwitch == true || workflow.Metadata?.Annotations?.ContainsKey(KillSwitch) == true;
    }
}
