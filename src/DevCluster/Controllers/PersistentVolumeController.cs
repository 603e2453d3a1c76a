using AgentOperator.DevCluster.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Bootstrap;
using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Storage;
using k8s.Models;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// kube-controller-manager's persistentvolume-binder with the node's <see cref="LocalPathProvisioner"/> behind it.
/// A Pending claim binds to a volume pre-bound to it, else to the smallest Available volume of its class that holds
/// its request, access modes and volume mode; a claim of a class whose provisioner is the node's gets a new volume.
/// With volumeBindingMode WaitForFirstConsumer both wait (a <c>WaitForFirstConsumer</c> Event) until a scheduled pod
/// uses the claim, as the scheduler's volume binding does. Binding sets the claim's volumeName, its
/// <c>pv.kubernetes.io/bind-completed</c> and <c>bound-by-controller</c> annotations and its status (Bound, the
/// volume's capacity and access modes), the volume's claimRef and phase Bound. A volume whose claim is gone is
/// Released; with reclaimPolicy Delete the node's volumes are then removed, folder and object. A Bound claim whose
/// volume is gone is Lost.
/// </summary>
internal sealed class PersistentVolumeController(ResourceOperations ops, LocalPathProvisioner provisioner, ILogger<PersistentVolumeController> logger) : EventLoopController(ops.Store, logger)
{
    private const string BindCompleted = "pv.kubernetes.io/bind-completed";
    private const string BoundByController = "pv.kubernetes.io/bound-by-controller";
    private const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";
    private const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
    private const string SelectedNode = "volume.kubernetes.io/selected-node";
    private static readonly GroupResource Claims = new("", "persistentvolumeclaims");
    private static readonly GroupResource Volumes = new("", "persistentvolumes");
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly GroupResource StorageClasses = new("storage.k8s.io", "storageclasses");
    private static readonly WriteOptions Writer = new("persistentvolume-binder");
    private readonly EventRecorder _binder = new(ops, "persistentvolume-controller");
    private readonly EventRecorder _provisioner = new(ops, StandardStorageClass.Provisioner);
    private readonly HashSet<(string Uid, string Reason)> _reported = [];

    protected override Task StartAsync(CancellationToken ct)
    {
        Reconcile();
        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => resource == Claims || resource == Volumes || resource == StorageClasses || resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        // Of the pods, only those that use a claim matter (they are the first consumers).
        if (e.Resource != Pods || ClaimNames(JsonNodeExtensions.ParseObject(e.Object.Json)).Any())
        {
            Reconcile();
        }

        return Task.CompletedTask;
    }

    private void Reconcile()
    {
        foreach (var volume in Store.List(Volumes, null, null).Items.Where(v => !v.Deleting))
        {
            Guarded(() => ReconcileVolume(JsonNodeExtensions.ParseObject(volume.Json)));
        }

        foreach (var claim in Store.List(Claims, null, null).Items.Where(c => !c.Deleting))
        {
            Guarded(() => ReconcileClaim(JsonNodeExtensions.ParseObject(claim.Json)));
        }
    }

    // One object's failure must not stop the pass: the claims after it would wait for an event that may never come.
    private void Guarded(Action reconcile)
    {
        try
        {
            reconcile();
        }
        catch (ApiException e) when (e.Code is 404 or 409 or 403)
        {
            // The object went away or its namespace is terminating; the next event brings the rest back.
        }
        catch (Exception e) when (e is ApiException or IOException or UnauthorizedAccessException)
        {
            Log.ControllerFailed(logger, e, nameof(PersistentVolumeController), "reconcile", "persistentvolumes", "", "");
        }
    }

    private void ReconcileVolume(JsonObject volume)
    {
        var name = volume.Str("metadata", "name") ?? "";
        if (volume.At("spec", "claimRef") is not JsonObject claimRef || claimRef.Str("uid") is not { } uid)
        {
            // Unclaimed, or pre-bound by name to a claim not yet created: available.
            SetVolumePhase(name, "Available");
            return;
        }

        if (Store.Get(Claims, claimRef.Str("namespace") ?? "", claimRef.Str("name") ?? "") is { } claim && claim.Uid == uid)
        {
            return;
        }

        SetVolumePhase(name, "Released");
        if (volume.Str("spec", "persistentVolumeReclaimPolicy") == "Delete" && LocalPathProvisioner.Provisioned(volume))
        {
            provisioner.Delete(volume);
            try
            {
                ops.Delete(ops.Registry.ForStorage(Volumes)!, "", name, new DeleteOptions("Background"));
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
    }

    private void ReconcileClaim(JsonObject claim)
    {
        var ns = claim.Str("metadata", "namespace") ?? "";
        var name = claim.Str("metadata", "name") ?? "";
        var uid = claim.Str("metadata", "uid") ?? "";
        var volumeName = claim.Str("spec", "volumeName");
        switch (claim.Str("status", "phase"))
        {
            case "Bound":
                if (!string.IsNullOrEmpty(volumeName) && Store.Get(Volumes, "", volumeName) is null)
                {
                    SetClaimStatus(ns, name, new JsonObject { ["phase"] = "Lost" });
                    _binder.Warning(claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
                }

                return;
            case "Lost":
                return;
        }

        if (!string.IsNullOrEmpty(volumeName))
        {
            // Pre-bound by the user to a volume: bound once that volume exists and is free for it.
            if (Volume(volumeName) is { } named && (named.At("spec", "claimRef") is not JsonObject r || ClaimedBy(r, claim)))
            {
                Bind(claim, named);
            }

            return;
        }

        var className = claim.Str("spec", "storageClassName") ?? "";
        var storageClass = className.Length > 0 && Store.Get(StorageClasses, "", className) is { } sc ? JsonNodeExtensions.ParseObject(sc.Json) : null;
        var match = Match(claim, className);
        if (match is { PreBound: true })
        {
            Bind(claim, match.Volume);
            return;
        }

        var waitForConsumer = storageClass?.Str("volumeBindingMode") == "WaitForFirstConsumer";
        if (waitForConsumer && !HasConsumer(claim))
        {
            ReportOnce(claim, uid, "WaitForFirstConsumer", "waiting for first consumer to be created before binding", warning: false);
            return;
        }

        if (match is not null)
        {
            Bind(claim, match.Volume);
            return;
        }

        if (className.Length == 0)
        {
            ReportOnce(claim, uid, "FailedBinding", "no persistent volumes available for this claim and no storage class is set", warning: false);
        }
        else if (storageClass is null)
        {
            ReportOnce(claim, uid, "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found", warning: true);
        }
        else if (storageClass.Str("provisioner") != StandardStorageClass.Provisioner)
        {
            ReportOnce(claim, uid, "ExternalProvisioning", $"Waiting for a volume to be created either by the external provisioner '{storageClass.Str("provisioner")}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", warning: false);
        }
        else
        {
            Provision(claim, storageClass, waitForConsumer);
        }
    }

    private void Provision(JsonObject claim, JsonObject storageClass, bool selectNode)
    {
        var ns = claim.Str("metadata", "namespace") ?? "";
        var name = claim.Str("metadata", "name") ?? "";
        var annotated = ops.GuaranteedUpdate(ops.Registry.ForStorage(Claims)!, ns, name, null, Writer, live =>
        {
            var annotations = live.Metadata().Obj("annotations");
            annotations[StorageProvisioner] = StandardStorageClass.Provisioner;
            annotations[BetaStorageProvisioner] = StandardStorageClass.Provisioner;
            if (selectNode)
            {
                annotations[SelectedNode] = PodLifecycleController.NodeName;
            }

            return live;
        });
        _provisioner.Normal(annotated, "Provisioning", $"External provisioner is provisioning volume for claim \"{ns}/{name}\"");
        var volume = ops.Create(ops.Registry.ForStorage(Volumes)!, "", provisioner.Provision(annotated, storageClass), Writer);
        _provisioner.Normal(annotated, "ProvisioningSucceeded", $"Successfully provisioned volume {volume.Str("metadata", "name")}");
        Bind(annotated, volume);
    }

    // Volume first (claimRef, then phase), claim second (volumeName and annotations, then status), as the binder orders it.
    private void Bind(JsonObject claim, JsonObject volume)
    {
        var ns = claim.Str("metadata", "namespace") ?? "";
        var name = claim.Str("metadata", "name") ?? "";
        var volumeName = volume.Str("metadata", "name") ?? "";
        var volumes = ops.Registry.ForStorage(Volumes)!;
        var claims = ops.Registry.ForStorage(Claims)!;
        volume = ops.GuaranteedUpdate(volumes, "", volumeName, null, Writer, live =>
        {
            if (live.At("spec", "claimRef") is not JsonObject claimRef || claimRef.Str("uid") is null)
            {
                live.Obj("spec")["claimRef"] = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim",
                    ["namespace"] = ns,
                    ["name"] = name,
                    ["uid"] = claim.Str("metadata", "uid"),
                    ["apiVersion"] = "v1",
                    ["resourceVersion"] = claim.Str("metadata", "resourceVersion"),
                };
                live.Metadata().Obj("annotations")[BoundByController] = "yes";
            }

            return live;
        });
        SetVolumePhase(volumeName, "Bound");
        ops.GuaranteedUpdate(claims, ns, name, null, Writer, live =>
        {
            var annotations = live.Metadata().Obj("annotations");
            if (string.IsNullOrEmpty(live.Str("spec", "volumeName")))
            {
                live.Obj("spec")["volumeName"] = volumeName;
                annotations[BoundByController] = "yes";
            }

            annotations[BindCompleted] = "yes";
            return live;
        });
        SetClaimStatus(ns, name, new JsonObject
        {
            ["phase"] = "Bound",
            ["accessModes"] = volume.At("spec", "accessModes")?.DeepClone(),
            ["capacity"] = volume.At("spec", "capacity")?.DeepClone(),
        });
    }

    private sealed record Candidate(JsonObject Volume, bool PreBound);

    // A volume pre-bound to the claim, else the smallest free one that fits (findBestMatchForClaim).
    private Candidate? Match(JsonObject claim, string className)
    {
        var request = Quantity(claim.Str("spec", "resources", "requests", "storage"));
        var modes = (claim.At("spec", "accessModes") as JsonArray ?? []).Select(m => (string?)m).ToHashSet();
        var volumeMode = claim.Str("spec", "volumeMode") ?? "Filesystem";
        var fitting = Store.List(Volumes, null, null).Items.Where(v => !v.Deleting)
            .Select(v => JsonNodeExtensions.ParseObject(v.Json))
            .Where(v => v.Str("status", "phase") is "Available" or "Pending"
                && (v.At("spec", "claimRef") is not JsonObject r || ClaimedBy(r, claim))
                && (v.Str("spec", "storageClassName") ?? "") == className
                && (v.Str("spec", "volumeMode") ?? "Filesystem") == volumeMode
                && modes.IsSubsetOf((v.At("spec", "accessModes") as JsonArray ?? []).Select(m => (string?)m))
                && Quantity(v.Str("spec", "capacity", "storage")) >= request)
            .ToList();
        var preBound = fitting.FirstOrDefault(v => v.At("spec", "claimRef") is JsonObject);
        if (preBound is not null)
        {
            return new Candidate(preBound, true);
        }

        return fitting.OrderBy(v => Quantity(v.Str("spec", "capacity", "storage"))).Select(v => new Candidate(v, false)).FirstOrDefault();
    }

    private static bool ClaimedBy(JsonObject claimRef, JsonObject claim) =>
        claimRef.Str("namespace") == claim.Str("metadata", "namespace") && claimRef.Str("name") == claim.Str("metadata", "name")
        && (claimRef.Str("uid") is null || claimRef.Str("uid") == claim.Str("metadata", "uid"));

    // A scheduled pod that has not ended and uses the claim.
    private bool HasConsumer(JsonObject claim)
    {
        var name = claim.Str("metadata", "name");
        return Store.List(Pods, claim.Str("metadata", "namespace"), null).Items.Where(p => !p.Deleting)
            .Select(p => JsonNodeExtensions.ParseObject(p.Json))
            .Any(p => !string.IsNullOrEmpty(p.Str("spec", "nodeName")) && p.Str("status", "phase") is not ("Succeeded" or "Failed") && ClaimNames(p).Contains(name));
    }

    /// <summary>The claims a pod's volumes name.</summary>
    public static IEnumerable<string?> ClaimNames(JsonObject pod) =>
        (pod.At("spec", "volumes") as JsonArray ?? []).OfType<JsonObject>().Select(v => v.Str("persistentVolumeClaim", "claimName")).Where(c => c is not null);

    private static decimal Quantity(string? text)
    {
        try
        {
            return text is null ? 0 : new ResourceQuantity(text).ToDecimal();
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    private JsonObject? Volume(string name) => Store.Get(Volumes, "", name) is { Deleting: false } v ? JsonNodeExtensions.ParseObject(v.Json) : null;

    private void SetVolumePhase(string name, string phase)
    {
        if (Volume(name) is not { } volume || volume.Str("status", "phase") == phase)
        {
            return;
        }

        ops.GuaranteedUpdate(ops.Registry.ForStorage(Volumes)!, "", name, "status", Writer, live =>
        {
            live["status"] = new JsonObject { ["phase"] = phase, ["lastPhaseTransitionTime"] = ops.Now() };
            return live;
        });
    }

    private void SetClaimStatus(string ns, string name, JsonObject status) =>
        ops.GuaranteedUpdate(ops.Registry.ForStorage(Claims)!, ns, name, "status", Writer, live =>
        {
            live["status"] = status;
            return live;
        });

    private void ReportOnce(JsonObject claim, string uid, string reason, string message, bool warning)
    {
        if (!_reported.Add((uid, reason)))
        {
            return;
        }

        if (warning)
        {
            _binder.Warning(claim, reason, message);
        }
        else
        {
            _binder.Normal(claim, reason, message);
        }
    }
}
