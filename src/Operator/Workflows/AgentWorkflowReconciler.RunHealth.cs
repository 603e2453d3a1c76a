using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileRunHealth: what the live revisions' runs did, from the gateways' counters, into status.runs and the
/// RunsHealthy condition, read at most once per interval (a status written in between keeps the last reading).
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileRunHealthAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var revisions = ctx.LiveRevisions();
        if (revisions.Count == 0)
        {
            ctx.Runs = null;
            ctx.Conditions.Remove(ConditionTypes.RunsHealthy);
            return;
        }

        if (runHealth.NotDueFor(ctx.Runs?.ObservedAt, ctx.Now) is { } wait)
        {
            ctx.LookAgainIn(wait, "run outcomes are read again");
            return;
        }

        var assessment = await runHealth.ObserveAsync(ctx.Workflow, revisions, ctx.Now, ct);
        ctx.Runs = assessment.Summary;
        if (ctx.Conditions.Set(ConditionTypes.RunsHealthy, assessment.Status, assessment.Reason, assessment.Message, ctx.Generation)
            && assessment.Status == ConditionStatus.False)
        {
            ctx.AfterStatus(new WorkflowEvent(true, assessment.Reason, assessment.Message));
        }

        ctx.LookAgainIn(runHealth.Interval, "run outcomes are read again");
    }
}
