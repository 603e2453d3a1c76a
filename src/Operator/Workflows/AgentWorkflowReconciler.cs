using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.RunHealth;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Traffic;
using k8s;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Reconciles an AgentWorkflow into its revisions' children and its status. Reads come from the informer caches
/// only; each step writes only what differs, so a workflow in its desired state costs no API write at all.
/// <para>The order (each step in its own file):</para>
/// <list type="number">
/// <item>Deletion runs the cleanup (<c>FinalizeAsync</c>) and nothing else: the bundles go with the pods.</item>
/// <item><c>ReconcileKillSwitch</c>: <c>spec.killSwitch</c> into every bundle the workflow owns, before any early
/// return below, so neither suspend nor an invalid spec can hold it back.</item>
/// <item>Suspend: from here on only status is written.</item>
/// <item><c>ReconcileFinalizer</c>: make sure the finalizer is there.</item>
/// <item><c>ValidatePolicy</c>: compile the spec and the namespace's AgentTools; an invalid spec stops here with
/// <c>PolicyValid=False</c>, leaving the running revision untouched (its kill switch is already applied).</item>
/// <item><c>ReconcileCredentialRevocation</c>, <c>ReconcileIdentity</c>, <c>ReconcileBundle</c>: the target revision's
/// identity and policy.</item>
/// <item><c>ReconcileRollout</c>: the canary decision (eval Job, steps, analysis, promotion or rollback) and the replicas
/// of both revisions.</item>
/// <item><c>ReconcileWorkloads</c>, <c>ReconcileEvaluationJob</c>, <c>ReconcileTraffic</c>: the Deployments at those
/// replicas, the eval Job, the Services and the traffic provider's weights.</item>
/// <item><c>ReconcileSecretAvailability</c>: a Secret the pods wait for, from their state and FailedMount Events.</item>
/// <item><c>ReconcileRunHealth</c>: the live revisions' run outcomes from the gateways' counters (RunsHealthy, status.runs).</item>
/// <item><c>UpdateStatus</c>, then <c>PruneRetiredRevisions</c> once the new stable revision is recorded.</item>
/// </list>
/// </summary>
internal sealed partial class AgentWorkflowReconciler(
    IKubernetes client,
    WorkflowCaches caches,
    ProvisioningOptions provisioning,
    WorkflowEventRecorder events,
    TrafficRoutingProviders traffic,
    CanaryAnalyzer analyzer,
    WorkflowMetrics metrics,
    RunHealthObserver runHealth,
    TimeProvider time,
    ILogger<AgentWorkflowReconciler> logger) : IReconciler<AgentWorkflow>
{
    private readonly ChildApis _apis = ChildApis.For(client);
    private readonly RecentWorkflowWrites _recent = new();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (!caches.Workflows.TryGet(key, out var cached))
        {
            _recent.Forget(key);
            metrics.Forget(key);
            runHealth.Forget(key);
            return ReconcileResult.Success();
        }

        var workflow = _recent.Latest(cached);
        var ctx = new WorkflowContext(workflow, caches.Tools.List(key.Namespace), time.GetUtcNow());

        if (workflow.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(ctx, cancellationToken);
        }

        // Before every early return: denying writes must never wait for a resumed or valid spec.
        await ReconcileKillSwitchAsync(ctx, cancellationToken);

        if (ctx.Spec.Suspend)
        {
            return await UpdateSuspendedStatusAsync(ctx, cancellationToken);
        }

        await ReconcileFinalizerAsync(ctx, cancellationToken);

        if (!ValidatePolicy(ctx))
        {
            await ReconcileRunHealthAsync(ctx, cancellationToken);
            await UpdateStatusAsync(ctx, cancellationToken);
            return Result(ctx);
        }

        await ReconcileCredentialRevocationAsync(ctx, cancellationToken);
        await ReconcileIdentityAsync(ctx, cancellationToken);
        await ReconcileBundleAsync(ctx, cancellationToken);
        await ReconcileRolloutAsync(ctx, cancellationToken);
        await ReconcileWorkloadsAsync(ctx, cancellationToken);
        await ReconcileEvaluationJobAsync(ctx, cancellationToken);
        await ReconcileTrafficAsync(ctx, cancellationToken);
        await ReconcileSecretAvailabilityAsync(ctx, cancellationToken);
        await ReconcileRunHealthAsync(ctx, cancellationToken);
        await UpdateStatusAsync(ctx, cancellationToken);
        await PruneRetiredRevisionsAsync(ctx, cancellationToken);
        return Result(ctx);
    }

    private static ReconcileResult Result(WorkflowContext ctx) =>
        ctx.LookAgainAfter is { } delay ? ReconcileResult.RequeueAfter(delay, ctx.LookAgainReason) : ReconcileResult.Success();

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: {Write} {Kind} {Name}")]
    private partial void LogChildWritten(ObjectKey key, ChildWrite write, string kind, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: deleted {Kind} {Name} (finalizer)")]
    private partial void LogChildDeleted(ObjectKey key, string kind, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: status written (phase {Phase}, stable revision {Stable})")]
    private partial void LogStatusWritten(ObjectKey key, string phase, string? stable);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: {Action} eval Job {Name}")]
    private partial void LogEvaluationJob(ObjectKey key, string action, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentWorkflow {Key}: canary revision {Revision} rolled back on {Metric} = {Value} (threshold {Threshold})")]
    private partial void LogRolledBack(ObjectKey key, string revision, string metric, string value, string threshold);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: deleted {Kind} {Name} of retired revision {Revision}")]
    private partial void LogRetired(ObjectKey key, string kind, string name, string revision);
}
