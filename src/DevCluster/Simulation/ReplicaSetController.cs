using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>Keeps each ReplicaSet's pod count at spec.replicas and reports replicas/ready/available in its status.</summary>
internal sealed class ReplicaSetController(ResourceOperations ops, ILogger<ReplicaSetController> logger) : EventLoopController(ops.Store, logger)
{
    private static readonly GroupResource ReplicaSets = new("apps", "replicasets");
    private static readonly GroupResource Pods = new("", "pods");
    private readonly EventRecorder _events = new(ops, "replicaset-controller");

    protected override bool Wants(GroupResource resource) => resource == ReplicaSets || resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == ReplicaSets)
        {
            if (e.Type != WatchEventType.Deleted)
            {
                Reconcile(e.Object.Namespace, e.Object.Name);
            }

            return Task.CompletedTask;
        }

        foreach (var ownerUid in e.Object.OwnerUids.Concat(e.Previous?.OwnerUids ?? []).Distinct())
        {
            foreach (var rs in Store.List(ReplicaSets, e.Object.Namespace, null).Items.Where(r => r.Uid == ownerUid))
            {
                Reconcile(rs.Namespace, rs.Name);
            }
        }

        return Task.CompletedTask;
    }

    private void Reconcile(string ns, string name)
    {
        var rsType = ops.Registry.ForStorage(ReplicaSets)!;
        var podType = ops.Registry.ForStorage(Pods)!;
        if (ops.TryGet(rsType, ns, name) is not { } rs || rs.At("metadata", "deletionTimestamp") is not null)
        {
            return;
        }

        var uid = rs.Str("metadata", "uid")!;
        var desired = rs.Long("spec", "replicas") ?? 1;
        var pods = OwnerReferences.Owned(Store, uid, Pods).Where(p => p.At("metadata", "deletionTimestamp") is null && p.Str("status", "phase") is not ("Succeeded" or "Failed")).ToList();
        for (var i = pods.Count; i < desired; i++)
        {
            var template = rs.At("spec", "template")?.DeepClone() as JsonObject ?? [];
            var meta = template.Metadata();
            meta["generateName"] = name + "-";
            meta["ownerReferences"] = OwnerReferences.ControllerRef(rs);
            template.Remove("apiVersion");
            template.Remove("kind");
            var pod = ops.Create(podType, ns, template, new WriteOptions("kube-controller-manager"));
            pods.Add(pod);
            _events.Normal(rs, "SuccessfulCreate", $"Created pod: {pod.Str("metadata", "name")}");
        }

        foreach (var extra in pods.Skip((int)desired).ToList())
        {
            try
            {
                ops.Delete(podType, ns, extra.Str("metadata", "name")!, new DeleteOptions());
                pods.Remove(extra);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }

        var ready = pods.Count(p => p.Condition("Ready")?.Str("status") == "True");
        ops.GuaranteedUpdate(rsType, ns, name, "status", new WriteOptions("kube-controller-manager"), live =>
        {
            live["status"] = new JsonObject
            {
                ["replicas"] = pods.Count,
                ["fullyLabeledReplicas"] = pods.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["observedGeneration"] = live.Long("metadata", "generation") ?? 1,
            };
            return live;
        });
    }
}
