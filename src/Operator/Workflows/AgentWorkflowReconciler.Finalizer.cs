using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// The finalizer <c>agentoperator.io/cleanup</c>. Every child is in the workflow's namespace with a controller
/// ownerReference, so garbage collection alone would remove them eventually; the finalizer exists for what GC does
/// not promise:
/// <list type="bullet">
/// <item>Credentials end with the workflow: GC deletes dependents after the owner is gone, in no particular order, so
/// pods could keep calling tools with valid tokens for a while. The finalizer deletes the ServiceAccounts first
/// (every token stops validating at once), then the other children, and removes itself only when the caches show
/// none left: a deleted workflow never has a live identity.</item>
/// <item>Pending AgentApprovals carry no ownerReference (they are audit records): they stay, and expire on their
/// own; without the revision's ServiceAccount no gateway can act on them any more.</item>
/// </list>
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileFinalizerAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var finalizers = ctx.Workflow.Metadata.Finalizers ?? [];
        if (finalizers.Contains(WorkflowAnnotations.CleanupFinalizer))
        {
            return;
        }

        await PatchFinalizersAsync(ctx, [.. finalizers, WorkflowAnnotations.CleanupFinalizer], ct);
    }

    private async Task<ReconcileResult> FinalizeAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var finalizers = ctx.Workflow.Metadata.Finalizers ?? [];
        if (!finalizers.Contains(WorkflowAnnotations.CleanupFinalizer))
        {
            return ReconcileResult.Success();
        }

        // Identity first: once the ServiceAccounts are gone no token of any revision validates.
        var remaining = await DeleteOwnedAsync(ctx, _apis.ServiceAccounts, caches.ServiceAccounts, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.RoleBindings, caches.RoleBindings, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.Roles, caches.Roles, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.Deployments, caches.Deployments, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.ConfigMaps, caches.ConfigMaps, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.Services, caches.Services, ct);
        remaining += await DeleteOwnedAsync(ctx, _apis.NetworkPolicies, caches.NetworkPolicies, ct);
        if (remaining > 0)
        {
            // Their Deleted events requeue the workflow; the delay is only a safety net.
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(5), $"waiting for {remaining} children to be deleted");
        }

        await PatchFinalizersAsync(ctx, [.. finalizers.Where(f => f != WorkflowAnnotations.CleanupFinalizer)], ct);
        _recent.Forget(ctx.Key);
        return ReconcileResult.Success();
    }

    /// <summary>Deletes the workflow's children of one kind still in the cache; returns how many are still there.</summary>
    private async Task<int> DeleteOwnedAsync<T>(WorkflowContext ctx, ChildApi<T> api, IObjectCache<T> cache, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var owned = cache.ListByOwner(ctx.Uid);
        foreach (var child in owned)
        {
            if (await ChildWriter.DeleteAsync(api, child, ct))
            {
                LogChildDeleted(ctx.Key, api.Kind, child.Metadata.Name);
            }
        }

        return owned.Count;
    }

    // A merge patch replaces the whole list; the resourceVersion makes sure it is the list we read.
    private async Task PatchFinalizersAsync(WorkflowContext ctx, List<string> finalizers, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = new JsonArray([.. finalizers.Select(f => JsonValue.Create(f))]),
                ["resourceVersion"] = ctx.Workflow.Metadata.ResourceVersion,
            },
        };
        var written = await client.CustomObjects.PatchNamespacedCustomObjectAsync<AgentWorkflow>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ctx.Namespace, AgentWorkflow.Plural, ctx.Name, cancellationToken: ct);
        _recent.Remember(ctx.Workflow, written);
        ctx.Workflow = written;
    }
}
