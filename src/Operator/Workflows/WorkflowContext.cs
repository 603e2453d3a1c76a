using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Rollouts;
using AgentOperator.Operator.Runtime;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Everything one reconcile of one AgentWorkflow reads and decides, passed from step to step (Argo Rollouts'
/// rolloutContext). Steps fill it in order; <see cref="AgentWorkflowReconciler"/> reads it top to bottom.
/// </summary>
internal sealed class WorkflowContext(AgentWorkflow workflow, IReadOnlyList<AgentTool> tools, DateTimeOffset now)
{
    private readonly List<WorkflowEvent> _afterStatus = [];

    /// <summary>The newest known workflow; replaced by what our own metadata writes return.</summary>
    public AgentWorkflow Workflow { get; set; } = workflow;

    public ObjectKey Key { get; } = ObjectKey.Of(workflow);

    public string Name => Workflow.Metadata.Name;

    public string Namespace => Workflow.Metadata.NamespaceProperty;

    public string Uid => Workflow.Metadata.Uid;

    public long Generation => Workflow.Metadata.Generation ?? 0;

    public AgentWorkflowSpec Spec => Workflow.Spec;

    /// <summary>Whether writes are stopped: <c>spec.killSwitch</c> or the kill-switch annotation (<see cref="AgentWorkflowAnnotations.KillSwitch"/>).</summary>
    public bool KillSwitch => AgentWorkflowAnnotations.KillSwitchEngaged(Workflow);

    /// <summary>The AgentTools of the workflow's namespace (the registry the compiler resolves against).</summary>
    public IReadOnlyList<AgentTool> Tools { get; } = tools;

    /// <summary>This reconcile's clock reading, truncated to seconds as the API stores times.</summary>
    public DateTimeOffset Now { get; } = new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public ConditionSet Conditions { get; } = new(workflow.Status?.Conditions, new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));

    /// <summary>The rollout's part of status (stable and canary revisions, step, analysis counters); replaced by <c>ReconcileRollout</c>.</summary>
    public RolloutState Rollout { get; set; } = RolloutState.From(workflow.Status);

    /// <summary>The revision serving traffic: status.stableRevision, or the target once promoted.</summary>
    public string? StableRevision
    {
        get => Rollout.Stable;
        set => Rollout = Rollout with { Stable = value };
    }

    /// <summary>The canary decision of this reconcile; null when the target is the stable revision (or none is stable yet).</summary>
    public CanaryDecision? Canary { get; set; }

    /// <summary>Replicas of the target revision's Deployment, decided by <c>ReconcileRollout</c>.</summary>
    public int TargetReplicas { get; set; }

    /// <summary>Replicas of the stable revision's Deployment while it is not the target.</summary>
    public int StableReplicas { get; set; }

    /// <summary>Actions to run once the status is written (e.g. counting a rollback exactly once).</summary>
    public List<Action> AfterStatusActions { get; } = [];

    /// <summary>The revision the current spec compiles to; null while the policy is invalid.</summary>
    public string? TargetRevision { get; set; }

    /// <summary>Compilation errors of the spec (empty when it compiled).</summary>
    public IReadOnlyList<string> SpecErrors { get; set; } = [];

    public bool PolicyValid => TargetRevision is not null;

    /// <summary>Inputs of the target revision's children; null while the policy is invalid.</summary>
    public RevisionInputs? Inputs { get; set; }

    /// <summary>The target revision's desired children; null while the policy is invalid.</summary>
    public RevisionChildren? Desired { get; set; }

    /// <summary>Bundle ConfigMaps <c>ReconcileKillSwitch</c> wrote in this reconcile, by name, as the API server returned them.</summary>
    public Dictionary<string, V1ConfigMap> WrittenConfigMaps { get; } = new(StringComparer.Ordinal);

    public V1ServiceAccount? TargetServiceAccount { get; set; }

    public V1Deployment? TargetDeployment { get; set; }

    public V1Deployment? StableDeployment { get; set; }

    /// <summary>ServiceAccounts recreated by this reconcile's revocation (the cache still shows the old ones).</summary>
    public Dictionary<string, V1ServiceAccount> RecreatedServiceAccounts { get; } = new(StringComparer.Ordinal);

    public CredentialRevocation? LastRevocation { get; set; } = workflow.Status?.LastRevocation;

    public DateTimeOffset? CredentialsExpireAt { get; set; } = workflow.Status?.CredentialsExpireAt;

    public List<RevisionHistoryEntry> History { get; } = [.. workflow.Status?.History ?? []];

    /// <summary>What the live revisions' runs did, as last read by <c>ReconcileRunHealth</c>.</summary>
    public RunsSummary? Runs { get; set; } = workflow.Status?.Runs;

    /// <summary>Set by <c>UpdateStatus</c>.</summary>
    public string Phase { get; set; } = workflow.Status?.Phase ?? WorkflowPhases.Pending;

    /// <summary>Events that describe what the new status says; recorded only once that status is written.</summary>
    public IReadOnlyList<WorkflowEvent> EventsAfterStatus => _afterStatus;

    /// <summary>The earliest time a step asked to look again (e.g. the credential window's end).</summary>
    public TimeSpan? LookAgainAfter { get; private set; }

    public string? LookAgainReason { get; private set; }

    public void AfterStatus(WorkflowEvent change) => _afterStatus.Add(change);

    /// <summary>Asks for another reconcile after <paramref name="delay"/>; the earliest request wins.</summary>
    public void LookAgainIn(TimeSpan delay, string reason)
    {
        delay = delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
        if (LookAgainAfter is null || delay < LookAgainAfter)
        {
            LookAgainAfter = delay;
            LookAgainReason = reason;
        }
    }

    /// <summary>The revisions whose children must exist: the stable one and the target one.</summary>
    public IReadOnlySet<string> LiveRevisions()
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        if (StableRevision is not null)
        {
            live.Add(StableRevision);
        }

        if (TargetRevision is not null)
        {
            live.Add(TargetRevision);
        }

        return live;
    }

    /// <summary>Name of a revision's per-revision objects.</summary>
    public string RevisionObjectName(string revision) => ChildNames.RevisionObject(Name, revision);
}
