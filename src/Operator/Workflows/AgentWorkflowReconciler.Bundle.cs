using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileBundle: the target revision's policy bundle ConfigMap (compiled JSON plus its SHA-256 annotation). The
/// compiled bundle carries <c>spec.killSwitch</c>, which <c>ReconcileKillSwitch</c> has already brought into every
/// existing bundle; this step compares against what that step wrote, so a flipped switch is written once.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task ReconcileBundleAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var desired = ctx.Desired!.BundleConfigMap;
        var cache = new WrittenFirstCache<V1ConfigMap>(caches.ConfigMaps, ctx.WrittenConfigMaps);
        var (_, write) = await ChildWriter.EnsureAsync(_apis.ConfigMaps, cache, desired, ct);
        LogIfWritten(ctx, write, _apis.ConfigMaps.Kind, desired.Metadata.Name);
    }
}
