namespace AgentOperator.Operator.Workflows;

/// <summary>Values of status.phase this reconciler sets .</summary>
internal static class WorkflowPhases
{
    /// <summary>No revision is available yet.</summary>
    public const string Pending = "Pending";

    /// <summary>A new revision is being rolled out; the stable one (if any) still serves.</summary>
    public const string Progressing = "Progressing";

    /// <summary>The desired revision is the stable revision and its Deployment is Available.</summary>
    public const string Ready = "Ready";

    /// <summary>The stable revision's Deployment lost availability or the rollout exceeded its deadline.</summary>
    public const string Degraded = "Degraded";

    /// <summary>spec.suspend: nothing but status is written.</summary>
    public const string Suspended = "Suspended";

    /// <summary>The spec does not compile into a policy bundle; the running revision is left as it was.</summary>
    public const string Invalid = "Invalid";

    /// <summary>A canary is held at its step: by annotation, by inconclusive analysis, or at a <c>pause: {}</c> step until promoted.</summary>
    public const string Paused = "Paused";

    /// <summary>The target revision was rolled back; the stable revision serves until the spec changes or a retry.</summary>
    public const string RolledBack = "RolledBack";

    /// <summary>The stable revision is available, but most recent runs fail or calls are refused while none completes (RunsHealthy=False).</summary>
    public const string RunsFailing = "RunsFailing";
}
