using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// The garbage collector of kube-controller-manager, driven by ownerReferences:
/// background deletion removes dependents after their owner is gone; foreground deletion (the
/// <c>foregroundDeletion</c> finalizer) deletes dependents first and the owner last; orphaning (the
/// <c>orphan</c> finalizer) strips the owner reference from dependents and lets them live.
/// </summary>
internal sealed class GarbageCollector(ResourceOperations ops, ILogger<GarbageCollector> logger) : EventLoopController(ops.Store, logger)
{
    private const string Foreground = "foregroundDeletion";
    private const string Orphan = "orphan";

    protected override bool Wants(GroupResource resource) => true;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Type == WatchEventType.Deleted)
        {
            CollectDependentsOf(e.Object);
            ResumeForegroundOwnersOf(e.Object);
        }
        else if (e.Object.Deleting)
        {
            var obj = JsonNodeExtensions.ParseObject(e.Object.Json);
            var finalizers = (obj.At("metadata", "finalizers") as JsonArray ?? []).Select(f => (string?)f).ToList();
            if (finalizers.Contains(Orphan))
            {
                OrphanDependentsOf(e.Resource, e.Object);
            }
            else if (finalizers.Contains(Foreground))
            {
                DeleteDependentsInForeground(e.Resource, e.Object);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Background: once an owner is gone, dependents with no other live owner are deleted; others lose the dangling reference.</summary>
    private void CollectDependentsOf(StoredObject owner)
    {
        foreach (var dependentRef in Store.Dependents(owner.Uid))
        {
            if (ops.Registry.ForStorage(dependentRef.Resource) is not { } type || Store.Get(type.Storage, dependentRef.Namespace, dependentRef.Name) is not { } dependent)
            {
                continue;
            }

            var obj = JsonNodeExtensions.ParseObject(dependent.Json);
            var refs = (obj.At("metadata", "ownerReferences") as JsonArray ?? []).OfType<JsonObject>().ToList();
            var liveOwners = refs.Where(r => r.Str("uid") != owner.Uid && OwnerExists(r, dependent.Namespace)).ToList();
            try
            {
                if (liveOwners.Count == 0)
                {
                    if (!dependent.Deleting)
                    {
                        ops.Delete(type, dependent.Namespace, dependent.Name, new DeleteOptions("Background"));
                    }
                }
                else
                {
                    RemoveOwnerReference(type, dependent, owner.Uid);
                }
            }
            catch (ApiException ex) when (ex.Code is 404 or 409)
            {
            }
        }
    }

    private void DeleteDependentsInForeground(GroupResource resource, StoredObject owner)
    {
        var dependents = Store.Dependents(owner.Uid);
        foreach (var dependentRef in dependents)
        {
            if (ops.Registry.ForStorage(dependentRef.Resource) is not { } type || Store.Get(type.Storage, dependentRef.Namespace, dependentRef.Name) is not { Deleting: false })
            {
                continue;
            }

            try
            {
                ops.Delete(type, dependentRef.Namespace, dependentRef.Name, new DeleteOptions("Foreground"));
            }
            catch (ApiException ex) when (ex.Code == 404)
            {
            }
        }

        if (Store.Dependents(owner.Uid).Count == 0)
        {
            RemoveFinalizer(resource, owner, Foreground);
        }
    }

    /// <summary>When a dependent goes, an owner waiting in foreground deletion may now be free to go.</summary>
    private void ResumeForegroundOwnersOf(StoredObject dependent)
    {
        var obj = JsonNodeExtensions.ParseObject(dependent.Json);
        foreach (var r in (obj.At("metadata", "ownerReferences") as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ops.Registry.ForKind(r.Str("apiVersion") ?? "", r.Str("kind") ?? "") is not { } type)
            {
                continue;
            }

            var ns = type.Namespaced ? dependent.Namespace : "";
            if (Store.Get(type.Storage, ns, r.Str("name") ?? "") is { Deleting: true } owner && owner.Uid == r.Str("uid") && Store.Dependents(owner.Uid).Count == 0)
            {
                RemoveFinalizer(type.Storage, owner, Foreground);
            }
        }
    }

    private void OrphanDependentsOf(GroupResource resource, StoredObject owner)
    {
        foreach (var dependentRef in Store.Dependents(owner.Uid))
        {
            if (ops.Registry.ForStorage(dependentRef.Resource) is { } type && Store.Get(type.Storage, dependentRef.Namespace, dependentRef.Name) is { } dependent)
            {
                RemoveOwnerReference(type, dependent, owner.Uid);
            }
        }

        RemoveFinalizer(resource, owner, Orphan);
    }

    private bool OwnerExists(JsonObject ownerRef, string dependentNamespace)
    {
        if (ops.Registry.ForKind(ownerRef.Str("apiVersion") ?? "", ownerRef.Str("kind") ?? "") is not { } type)
        {
            return false;
        }

        var owner = Store.Get(type.Storage, type.Namespaced ? dependentNamespace : "", ownerRef.Str("name") ?? "");
        return owner is not null && owner.Uid == ownerRef.Str("uid");
    }

    private void RemoveOwnerReference(ResourceType type, StoredObject dependent, string ownerUid)
    {
        try
        {
            ops.GuaranteedUpdate(type, dependent.Namespace, dependent.Name, null, new WriteOptions("kube-controller-manager"), live =>
            {
                if (live.At("metadata", "ownerReferences") is JsonArray refs)
                {
                    foreach (var r in refs.Where(r => r.Str("uid") == ownerUid).ToList())
                    {
                        refs.Remove(r);
                    }

                    if (refs.Count == 0)
                    {
                        live.Metadata().Remove("ownerReferences");
                    }
                }

                return live;
            });
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private void RemoveFinalizer(GroupResource resource, StoredObject owner, string finalizer)
    {
        if (ops.Registry.ForStorage(resource) is not { } type)
        {
            return;
        }

        try
        {
            ops.GuaranteedUpdate(type, owner.Namespace, owner.Name, null, new WriteOptions("kube-controller-manager"), live =>
            {
                if (live.At("metadata", "finalizers") is JsonArray f)
                {
                    foreach (var item in f.Where(x => (string?)x == finalizer).ToList())
                    {
                        f.Remove(item);
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
