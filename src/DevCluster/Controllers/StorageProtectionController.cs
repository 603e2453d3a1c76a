using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// kube-controller-manager's pvc-protection and pv-protection controllers: a claim being deleted keeps its
/// <c>kubernetes.io/pvc-protection</c> finalizer while a scheduled pod that has not ended uses it, and a volume being
/// deleted keeps <c>kubernetes.io/pv-protection</c> while it is Bound; then the finalizer goes and so does the object.
/// </summary>
internal sealed class StorageProtectionController(ResourceOperations ops, ILogger<StorageProtectionController> logger) : EventLoopController(ops.Store, logger)
{
    private static readonly GroupResource Claims = new("", "persistentvolumeclaims");
    private static readonly GroupResource Volumes = new("", "persistentvolumes");
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly WriteOptions Writer = new("pvc-protection-controller");

    protected override Task StartAsync(CancellationToken ct)
    {
        Reconcile();
        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => resource == Claims || resource == Volumes || resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        Reconcile();
        return Task.CompletedTask;
    }

    private void Reconcile()
    {
        foreach (var claim in Store.List(Claims, null, null).Items.Where(c => c.Deleting))
        {
            var inUse = Store.List(Pods, claim.Namespace, null).Items
                .Select(p => JsonNodeExtensions.ParseObject(p.Json))
                .Any(p => !string.IsNullOrEmpty(p.Str("spec", "nodeName")) && p.Str("status", "phase") is not ("Succeeded" or "Failed")
                    && PersistentVolumeController.ClaimNames(p).Contains(claim.Name));
            if (!inUse)
            {
                RemoveFinalizer(Claims, claim.Namespace, claim.Name, StorageObjectInUseProtection.ClaimFinalizer);
            }
        }

        foreach (var volume in Store.List(Volumes, null, null).Items.Where(v => v.Deleting))
        {
            if (JsonNodeExtensions.ParseObject(volume.Json).Str("status", "phase") != "Bound")
            {
                RemoveFinalizer(Volumes, "", volume.Name, StorageObjectInUseProtection.VolumeFinalizer);
            }
        }
    }

    private void RemoveFinalizer(GroupResource resource, string ns, string name, string finalizer)
    {
        if (Store.Get(resource, ns, name) is not { } stored || !(JsonNodeExtensions.ParseObject(stored.Json).At("metadata", "finalizers") as JsonArray ?? []).Any(f => (string?)f == finalizer))
        {
            return;
        }

        try
        {
            ops.GuaranteedUpdate(ops.Registry.ForStorage(resource)!, ns, name, null, Writer, live =>
            {
                if (live.Metadata()["finalizers"] is JsonArray finalizers)
                {
                    foreach (var item in finalizers.Where(f => (string?)f == finalizer).ToList())
                    {
                        finalizers.Remove(item);
                    }
                }

                return live;
            });
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
