using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Rollouts;

/// <summary>What <see cref="CanaryPlanner.Decide"/> concluded for one reconcile.</summary>
/// <param name="State">The rollout state to write into status.</param>
/// <param name="Stage">Where the target revision stands.</param>
/// <param name="Message">One sentence for the Progressing condition.</param>
/// <param name="RouteWeight">The canary's traffic weight to route now (0 without traffic).</param>
/// <param name="RunEvaluation">The eval Job of the current attempt must exist.</param>
/// <param name="Rollback">Set only when this decision rolls the canary back (or aborts it).</param>
/// <param name="InconclusiveLimitExceeded">More inconclusive runs in a row than analysis.inconclusiveLimit: Degraded.</param>
/// <param name="Events">Transitions to record once the status is written.</param>
/// <param name="History">Entries to append to status.history.</param>
/// <param name="LookAgainIn">When the rollout needs another look even if nothing changes (next analysis, pause end, deadline).</param>
internal sealed record CanaryDecision(
    RolloutState State,
    CanaryStage Stage,
    string Message,
    int RouteWeight,
    bool RunEvaluation,
    RollbackCause? Rollback,
    bool InconclusiveLimitExceeded,
    IReadOnlyList<WorkflowEvent> Events,
    IReadOnlyList<RevisionHistoryEntry> History,
    TimeSpan? LookAgainIn);
