using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// The namespace lifecycle of kube-controller-manager: a new namespace gets its <c>default</c> ServiceAccount;
/// a terminating one has all its content deleted, then its <c>kubernetes</c> finalizer removed, which lets the
/// namespace itself go.
/// </summary>
internal sealed class NamespaceController(ResourceOperations ops, ILogger<NamespaceController> logger) : EventLoopController(ops.Store, logger)
{
    private static readonly GroupResource Namespaces = new("", "namespaces");

    protected override Task StartAsync(CancellationToken ct)
    {
        foreach (var ns in Store.List(Namespaces, null, null).Items)
        {
            EnsureDefaultServiceAccount(ns.Name);
        }

        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => true;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == Namespaces)
        {
            if (e.Type == WatchEventType.Added)
            {
                EnsureDefaultServiceAccount(e.Object.Name);
            }
            else if (e.Type == WatchEventType.Modified && e.Object.Deleting)
            {
                Drain(e.Object.Name);
            }
        }
        else if (e.Type == WatchEventType.Deleted && e.Object.Namespace.Length > 0 && Store.Get(Namespaces, "", e.Object.Namespace) is { Deleting: true } ns)
        {
            Drain(ns.Name);
        }

        return Task.CompletedTask;
    }

    private void EnsureDefaultServiceAccount(string ns)
    {
        var type = ops.Registry.Find("", "v1", "serviceaccounts")!;
        if (Store.Get(type.Storage, ns, "default") is not null || Store.Get(Namespaces, "", ns) is not { Deleting: false })
        {
            return;
        }

        try
        {
            ops.Create(type, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, new WriteOptions("kube-controller-manager"));
        }
        catch (ApiException e) when (e.Code is 409 or 403 or 404)
        {
        }
    }

    private void Drain(string ns)
    {
        var remaining = 0;
        foreach (var type in ops.Registry.All.Where(t => t.Namespaced && !t.IsVirtual).DistinctBy(t => t.Storage))
        {
            foreach (var item in Store.List(type.Storage, ns, null).Items)
            {
                remaining++;
                if (item.Deleting)
                {
                    continue;
                }

                try
                {
                    ops.Delete(type, ns, item.Name, new DeleteOptions("Background"));
                }
                catch (ApiException e) when (e.Code == 404)
                {
                }
            }
        }

        if (remaining > 0 && ops.Registry.All.Where(t => t.Namespaced).DistinctBy(t => t.Storage).Any(t => Store.List(t.Storage, ns, null).Items.Count > 0))
        {
            return; // objects with finalizers are still going; their DELETED events bring us back
        }

        var namespaces = ops.Registry.ForStorage(Namespaces)!;
        ops.GuaranteedUpdate(namespaces, "", ns, null, new WriteOptions("kube-controller-manager"), live =>
        {
            live.Obj("spec")["finalizers"] = new JsonArray();
            return live;
        });
    }
}
