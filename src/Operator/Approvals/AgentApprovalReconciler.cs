using System.Net;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using AgentOperator.Policy.Approvals;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Approvals;

/// <summary>
/// Turns the verdicts approvers appended to an AgentApproval into its decision (<see cref="ApprovalTally"/>), marks an
/// undecided one Expired at <c>spec.expiresAt</c> (admission has no clock, so this is what closes it to verdicts), keeps
/// the approvers' names and the time left (<see cref="ExpiryCountdown"/>) in status for <c>kubectl get</c>, and
/// announces the request, each verdict and the decision as Events on the workflow. Observe, decide, act: one merge
/// patch of the fields it owns, guarded by the read resourceVersion, only when they differ; Events only for what
/// that write newly recorded, so a restart never repeats them.
/// </summary>
internal sealed partial class AgentApprovalReconciler(
    IKubernetes client,
    IObjectCache<AgentApproval> approvals,
    IObjectCache<AgentWorkflow> workflows,
    WorkflowEventRecorder events,
    TimeProvider time,
    ILogger<AgentApprovalReconciler> logger) : IReconciler<AgentApproval>
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (!approvals.TryGet(key, out var approval) || approval.Spec is null)
        {
            return ReconcileResult.Success();
        }

        var now = time.GetUtcNow();
        var status = approval.Status;
        var verdicts = status?.Approvals ?? [];
        var announced = Math.Clamp(status?.AnnouncedVerdicts ?? 0, 0, verdicts.Count);
        var decision = ApprovalTally.Decide(approval.Spec, status, now);
        var isNew = status?.Approvals is null;
        var decides = decision != ApprovalDecision.Pending && status?.Decision is null or ApprovalDecision.Pending;
        var left = approval.Spec.ExpiresAt - now;
        var expiresIn = decision == ApprovalDecision.Pending ? ExpiryCountdown.Text(left) : null;
        var approvers = verdicts.Count == 0 ? null : string.Join(",", verdicts.Select(v => v.User));

        if (isNew || decides || announced != verdicts.Count || status?.Decision != decision || status?.ExpiresIn != expiresIn || status?.Approvers != approvers)
        {
            var decidedAt = decides ? now : status?.DecidedAt;
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(ApprovalStatusPatch.Build(approval, decision, decidedAt, verdicts.Count, approvers, expiresIn), V1Patch.PatchType.MergePatch),
                    ApiGroup.Group, ApiGroup.Version, key.Namespace, AgentApproval.Plural, key.Name, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // A verdict arrived since the cache was read: the watch brings it and this runs again on the new state.
                return ReconcileResult.Failure("the approval changed while it was being decided");
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return ReconcileResult.Success();
            }

            LogDecided(key.Namespace ?? "", key.Name, decision, verdicts.Count);
            await AnnounceAsync(approval, isNew, verdicts.Skip(announced), decides ? decision : null, status, cancellationToken);
        }

        // Pending: look again when the countdown's text changes (which includes the expiry itself).
        return decision == ApprovalDecision.Pending
            ? ReconcileResult.RequeueAfter(ExpiryCountdown.NextChangeIn(left), "waiting for verdicts until the approval expires")
            : ReconcileResult.Success();
    }

    private async Task AnnounceAsync(AgentApproval approval, bool isNew, IEnumerable<ApproverDecision> newVerdicts, ApprovalDecision? decided, AgentApprovalStatus? status, CancellationToken cancellationToken)
    {
        if (!workflows.TryGet(new ObjectKey(approval.Metadata.NamespaceProperty, approval.Spec.Workflow), out var workflow))
        {
            // The workflow was deleted: its approvals stay as records, with nothing to attach Events to.
            return;
        }

        if (isNew)
        {
            await events.RecordAsync(workflow, ApprovalEvents.RequestedEvent(approval), cancellationToken);
        }

        foreach (var verdict in newVerdicts)
        {
            await events.RecordAsync(workflow, ApprovalEvents.VerdictEvent(approval, verdict), cancellationToken);
        }

        if (decided is { } decision && ApprovalEvents.DecisionEvent(approval, decision, status) is { } change)
        {
            await events.RecordAsync(workflow, change, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentApproval {Namespace}/{Name}: {Decision} after {Verdicts} verdict(s)")]
    private partial void LogDecided(string @namespace, string name, ApprovalDecision decision, int verdicts);
}
