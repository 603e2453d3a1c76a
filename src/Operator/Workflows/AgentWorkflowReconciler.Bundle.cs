using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Policy.Bundles;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileBundle: the target revision's policy bundle ConfigMap (compiled JSON plus its SHA-256 annotation).
/// The kill switch is part of the bundle but not of the revision, so flipping it rewrites the ConfigMap of the same
/// revision in place; the gateways watch their ConfigMap and start denying writes without a pod restart. A stable
/// revision that is not the target (a rollout in progress) gets the flag patched into its own bundle too.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileBundleAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var desired = ctx.Desired!.BundleConfigMap;
        var before = caches.ConfigMaps.TryGet(new(ctx.Namespace, desired.Metadata.Name), out var existing) ? KillSwitchOf(existing) : null;
        var (_, write) = await ChildWriter.EnsureAsync(_apis.ConfigMaps, caches.ConfigMaps, desired, ct);
        LogIfWritten(ctx, write, _apis.ConfigMaps.Kind, desired.Metadata.Name);
        if (write == ChildWrite.Patched && before is { } was && was != ctx.Spec.KillSwitch)
        {
            await RecordKillSwitchAsync(ctx, ctx.TargetRevision!, ct);
        }

        await ReconcileStableKillSwitchAsync(ctx, ct);
    }

    /// <summary>Brings spec.killSwitch into the stable revision's bundle when that revision is not the target.</summary>
    private async Task ReconcileStableKillSwitchAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var stable = ctx.StableRevision;
        if (stable is null || stable == ctx.TargetRevision
            || !caches.ConfigMaps.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(stable)), out var configMap)
            || KillSwitchOf(configMap) is not { } current || current == ctx.Spec.KillSwitch)
        {
            return;
        }

        var bundle = PolicyBundleJson.Deserialize(configMap.Data[BundleConfigMapBuilder.BundleKey]) with { KillSwitch = ctx.Spec.KillSwitch };
        var json = PolicyBundleJson.Serialize(bundle);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ChildLabels.BundleSha256Annotation] = BundleConfigMapBuilder.BundleSha256(json) } },
            ["data"] = new JsonObject { [BundleConfigMapBuilder.BundleKey] = json },
        };
        await ChildWriter.PatchAsync(_apis.ConfigMaps, configMap, patch, ct);
        LogIfWritten(ctx, ChildWrite.Patched, _apis.ConfigMaps.Kind, configMap.Metadata.Name);
        await RecordKillSwitchAsync(ctx, stable, ct);
    }

    private Task RecordKillSwitchAsync(WorkflowContext ctx, string revision, CancellationToken ct) =>
        events.RecordAsync(ctx.Workflow, ctx.Spec.KillSwitch
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
