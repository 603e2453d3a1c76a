using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// PruneRetiredRevisions: once the status records the stable revision, the children of every other revision except
/// the target go, ServiceAccount first (its tokens stop validating before its pods stop). Runs only for a valid
/// spec: an invalid spec leaves everything as it was.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task PruneRetiredRevisionsAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var live = ctx.LiveRevisions();
        var retired = new SortedSet<string>(StringComparer.Ordinal);
        await PruneAsync(ctx, _apis.ServiceAccounts, caches.ServiceAccounts, live, retired, ct);
        await PruneAsync(ctx, _apis.RoleBindings, caches.RoleBindings, live, retired, ct);
        await PruneAsync(ctx, _apis.Roles, caches.Roles, live, retired, ct);
        await PruneAsync(ctx, _apis.Deployments, caches.Deployments, live, retired, ct);
        await PruneAsync(ctx, _apis.NetworkPolicies, caches.NetworkPolicies, live, retired, ct);
        await PruneAsync(ctx, _apis.ConfigMaps, caches.ConfigMaps, live, retired, ct);
        foreach (var revision in retired)
        {
            await events.RecordAsync(ctx.Workflow, new WorkflowEvent(false, WorkflowReasons.RevisionRetired,
                $"revision {revision} retired: its ServiceAccount (and so its tokens), Role, RoleBinding, Deployment, NetworkPolicy and bundle ConfigMap were deleted"), ct);
        }
    }

    private async Task PruneAsync<T>(WorkflowContext ctx, ChildApi<T> api, IObjectCache<T> cache, IReadOnlySet<string> live, SortedSet<string> retired, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        foreach (var child in cache.ListByOwner(ctx.Uid))
        {
            // Workflow-level children (the Services) carry no revision.
            if (child.Metadata.Annotations?.TryGetValue(ChildLabels.RevisionAnnotation, out var revision) != true || live.Contains(revision!))
            {
                continue;
            }

            if (await ChildWriter.DeleteAsync(api, child, ct))
            {
                LogRetired(ctx.Key, api.Kind, child.Metadata.Name, revision!);
                retired.Add(revision!);
            }
        }
    }
}
