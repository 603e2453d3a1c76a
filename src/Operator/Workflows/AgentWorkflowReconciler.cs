using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Reconciles an AgentWorkflow into its revisions' children and its status. Reads come from the informer caches
/// only; each step writes only what differs, so a workflow in its desired state costs no API write at all.
/// <para>The order (each step in its own file):</para>
/// <list type="number">
/// <item><c>ReconcileFinalizer</c>: deletion runs the cleanup; otherwise make sure the finalizer is there.</item>
/// <item>Suspend: from here on only status is written.</item>
/// <item><c>ValidatePolicy</c>: compile the spec and the namespace's AgentTools; an invalid spec stops here with
/// <c>PolicyValid=False</c>, leaving the running revision untouched.</item>
/// <item><c>ReconcileCredentialRevocation</c>, <c>ReconcileIdentity</c>, <c>ReconcileBundle</c>,
/// <c>ReconcileWorkloads</c>: the target revision's children.</item>
/// <item><c>ReconcileRollout</c> and <c>ReconcileTraffic</c>: promotion of the target once Available, and the
/// Services' selectors. Issue 6 replaces the promotion with canary steps and analysis.</item>
/// <item><c>UpdateStatus</c>, then <c>PruneRetiredRevisions</c> once the new stable revision is recorded.</item>
/// </list>
/// </summary>
internal sealed partial class AgentWorkflowReconciler(
    IKubernetes client,
    WorkflowCaches caches,
    ProvisioningOptions provisioning,
    WorkflowEventRecorder events,
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
            return ReconcileResult.Success();
        }

        var workflow = _recent.Latest(cached);
        var ctx = new WorkflowContext(workflow, caches.Tools.List(key.Namespace), time.GetUtcNow());

        if (workflow.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(ctx, cancellationToken);
        }

        if (ctx.Spec.Suspend)
        {
            return await UpdateSuspendedStatusAsync(ctx, cancellationToken);
        }

        await ReconcileFinalizerAsync(ctx, cancellationToken);

        if (!ValidatePolicy(ctx))
        {
            // Only the stable revision's kill switch is still honoured: denying writes must never wait for a valid spec.
            await ReconcileStableKillSwitchAsync(ctx, cancellationToken);
            await UpdateStatusAsync(ctx, cancellationToken);
            return Result(ctx);
        }

        await ReconcileCredentialRevocationAsync(ctx, cancellationToken);
        await ReconcileIdentityAsync(ctx, cancellationToken);
        await ReconcileBundleAsync(ctx, cancellationToken);
        await ReconcileWorkloadsAsync(ctx, cancellationToken);
        ReconcileRollout(ctx);
        await ReconcileTrafficAsync(ctx, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Key}: deleted {Kind} {Name} of retired revision {Revision}")]
    private partial void LogRetired(ObjectKey key, string kind, string name, string revision);
}
