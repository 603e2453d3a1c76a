using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileRollout and ReconcileTraffic. Without a canary (issue 6 adds one), a new revision runs next to the stable
/// one until its Deployment is Available, then becomes stable; the Services follow. Issue 6 slots its steps here:
/// eval Job, traffic weights per step, analysis, promotion or rollback, all deciding <see cref="WorkflowContext.StableRevision"/>
/// and the canary's weight before <c>UpdateStatus</c>.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private const int MaxHistory = 20;

    private static void ReconcileRollout(WorkflowContext ctx)
    {
        var target = ctx.TargetRevision!;
        if (ctx.StableRevision == target)
        {
            return;
        }

        var availability = DeploymentAvailability.Of(ctx.TargetDeployment);
        if (!availability.Available)
        {
            return;
        }

        var previous = ctx.StableRevision;
        ctx.StableRevision = target;
        ctx.History.Add(new RevisionHistoryEntry
        {
            Revision = target,
            Outcome = RevisionOutcome.Promoted,
            Reason = previous is null ? "first revision available" : $"available; replaces revision {previous}",
            Time = ctx.Now,
        });
        if (ctx.History.Count > MaxHistory)
        {
            ctx.History.RemoveRange(0, ctx.History.Count - MaxHistory);
        }

        ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.RevisionPromoted,
            previous is null ? $"revision {target} is available and serves" : $"revision {target} is available and replaces revision {previous}"));
    }

    /// <summary>The Services: the workflow-wide one, stable (the stable revision) and canary (the target while it rolls out).</summary>
    private async Task ReconcileTrafficAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var target = ctx.TargetRevision!;
        var stable = ctx.StableRevision ?? target;
        var canary = stable == target ? null : target;
        foreach (var service in ServiceBuilder.Build(ctx.Workflow, stable, canary, provisioning))
        {
            await EnsureAsync(ctx, _apis.Services, caches.Services, service, ct);
        }
    }
}
