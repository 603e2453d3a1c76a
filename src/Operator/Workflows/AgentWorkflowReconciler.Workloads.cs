using System.Text.Json.Nodes;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileWorkloads: the target revision's NetworkPolicy and Deployment (agent container plus gateway sidecar).
/// The pod template carries the last handled revocation request, so a revocation rolls the pods onto the recreated
/// ServiceAccount; a stable revision that is not the target gets the same annotation patched into its template.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileWorkloadsAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var desired = ctx.Desired!;
        await EnsureAsync(ctx, _apis.NetworkPolicies, caches.NetworkPolicies, desired.NetworkPolicy, ct);

        var deployment = desired.Deployment;
        deployment.Spec.Replicas = ctx.TargetReplicas;
        if (ctx.LastRevocation is { } revocation)
        {
            var annotations = deployment.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>(StringComparer.Ordinal);
            annotations[WorkflowAnnotations.CredentialsRevision] = revocation.RequestId;
            deployment.Spec.Template.Metadata.Annotations = annotations;
        }

        var (live, write) = await ChildWriter.EnsureAsync(_apis.Deployments, caches.Deployments, deployment, ct);
        LogIfWritten(ctx, write, _apis.Deployments.Kind, deployment.Metadata.Name);
        ctx.TargetDeployment = live;
        if (write == ChildWrite.Created)
        {
            await events.RecordAsync(ctx.Workflow, new WorkflowEvent(false, WorkflowReasons.RevisionCreated,
                $"revision {ctx.TargetRevision} created (generation {ctx.Generation}): ServiceAccount, Role, RoleBinding, bundle ConfigMap, NetworkPolicy and Deployment {deployment.Metadata.Name}"), ct);
        }

        if (ctx.StableRevision is { } stable && stable != ctx.TargetRevision
            && caches.Deployments.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(stable)), out var stableDeployment))
        {
            ctx.StableDeployment = await ScaleStableAsync(ctx, await RollStableForRevocationAsync(ctx, stableDeployment, ct), ct);
        }
    }

    /// <summary>The stable revision's replicas while a canary runs beside it (the traffic provider's split).</summary>
    private async Task<V1Deployment> ScaleStableAsync(WorkflowContext ctx, V1Deployment stable, CancellationToken ct)
    {
        if (stable.Spec?.Replicas == ctx.StableReplicas)
        {
            return stable;
        }

        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = ctx.StableReplicas } };
        var written = await ChildWriter.PatchAsync(_apis.Deployments, stable, patch, ct);
        LogIfWritten(ctx, ChildWrite.Patched, _apis.Deployments.Kind, stable.Metadata.Name);
        return written;
    }

    private async Task<V1Deployment> RollStableForRevocationAsync(WorkflowContext ctx, V1Deployment stable, CancellationToken ct)
    {
        var want = ctx.LastRevocation?.RequestId;
        string? have = null;
        _ = stable.Spec?.Template?.Metadata?.Annotations?.TryGetValue(WorkflowAnnotations.CredentialsRevision, out have);
        if (want is null || want == have)
        {
            return stable;
        }

        var patch = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["annotations"] = new JsonObject { [WorkflowAnnotations.CredentialsRevision] = want },
                    },
                },
            },
        };
        var written = await ChildWriter.PatchAsync(_apis.Deployments, stable, patch, ct);
        LogIfWritten(ctx, ChildWrite.Patched, _apis.Deployments.Kind, stable.Metadata.Name);
        return written;
    }

    private async Task<T> EnsureAsync<T>(WorkflowContext ctx, ChildApi<T> api, IObjectCache<T> cache, T desired, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var (live, write) = await ChildWriter.EnsureAsync(api, cache, desired, ct);
        LogIfWritten(ctx, write, api.Kind, desired.Metadata.Name);
        return live;
    }

    private void LogIfWritten(WorkflowContext ctx, ChildWrite write, string kind, string name)
    {
        if (write != ChildWrite.Unchanged)
        {
            LogChildWritten(ctx.Key, write, kind, name);
        }
    }
}
