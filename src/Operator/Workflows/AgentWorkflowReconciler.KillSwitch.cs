using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Policy.Bundles;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileKillSwitch: the one code path that brings the kill switch (<c>spec.killSwitch</c>, or the
/// <c>agentoperator.io/kill-switch</c> annotation that holds it on whatever the spec says) to the gateways. It runs before every
/// early return (suspend, invalid spec) and before the target's bundle is built, so whatever else is true (suspended,
/// an invalid new spec, a rollout half way, a retired revision not yet pruned) every bundle ConfigMap this workflow
/// owns carries the switch as the spec says. The kill switch is part of the bundle but not of the revision: flipping
/// it rewrites each bundle in place (JSON and its SHA-256 annotation); the gateways watch their ConfigMap and start
/// or stop denying writes without a pod restart. A new revision's bundle is compiled with the switch already in it.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileKillSwitchAsync(WorkflowContext ctx, CancellationToken ct)
    {
        foreach (var configMap in caches.ConfigMaps.ListByOwner(ctx.Uid).OrderBy(c => c.Metadata.Name, StringComparer.Ordinal))
        {
            if (configMap.Metadata.DeletionTimestamp is not null
                || configMap.Metadata.Annotations?.TryGetValue(ChildLabels.RevisionAnnotation, out var revision) != true
                || KillSwitchOf(configMap) is not { } current || current == ctx.KillSwitch)
            {
                continue;
            }

            var bundle = PolicyBundleJson.Deserialize(configMap.Data[BundleConfigMapBuilder.BundleKey]) with { KillSwitch = ctx.KillSwitch };
            var json = PolicyBundleJson.Serialize(bundle);
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ChildLabels.BundleSha256Annotation] = BundleConfigMapBuilder.BundleSha256(json) } },
                ["data"] = new JsonObject { [BundleConfigMapBuilder.BundleKey] = json },
            };
            try
            {
                // Later steps of this reconcile compare against what this write returned, not the lagging cache.
                ctx.WrittenConfigMaps[configMap.Metadata.Name] = await ChildWriter.PatchAsync(_apis.ConfigMaps, configMap, patch, ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                continue; // pruned meanwhile: no gateway reads it any more
            }

            LogIfWritten(ctx, ChildWrite.Patched, _apis.ConfigMaps.Kind, configMap.Metadata.Name);
            await RecordKillSwitchAsync(ctx, revision!, ct);
        }
    }

    private Task RecordKillSwitchAsync(WorkflowContext ctx, string revision, CancellationToken ct) =>
        events.RecordAsync(ctx.Workflow, ctx.KillSwitch
            ? new WorkflowEvent(true, WorkflowReasons.KillSwitchEngaged, $"kill switch engaged: the bundle of revision {revision} now denies every write action")
            : new WorkflowEvent(false, WorkflowReasons.KillSwitchReleased, $"kill switch released: the bundle of revision {revision} allows write actions again"), ct);

    /// <summary>The killSwitch flag of a bundle ConfigMap; null when it carries no readable bundle.</summary>
    private static bool? KillSwitchOf(V1ConfigMap configMap)
    {
        if (configMap.Data?.TryGetValue(BundleConfigMapBuilder.BundleKey, out var json) != true)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json!)?["killSwitch"]?.GetValue<bool>() ?? false;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
