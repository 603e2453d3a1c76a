using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// A Deployment controller that rolls out by replacing: the ReplicaSet of the current pod template (named
/// <c>DEPLOYMENT-HASH</c>, labelled <c>pod-template-hash</c>) is scaled to spec.replicas and older ones to 0;
/// status (replicas, updatedReplicas, readyReplicas, availableReplicas, observedGeneration and the
/// Available/Progressing conditions) is computed from the ReplicaSets, as <c>kubectl rollout status</c> reads it.
/// </summary>
internal sealed class DeploymentController(ResourceOperations ops, ILogger<DeploymentController> logger) : EventLoopController(ops.Store, logger)
{
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    private static readonly GroupResource Deployments = new("apps", "deployments");
    private static readonly GroupResource ReplicaSets = new("apps", "replicasets");
    private readonly EventRecorder _events = new(ops, "deployment-controller");

    protected override bool Wants(GroupResource resource) => resource == Deployments || resource == ReplicaSets;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == Deployments)
        {
            if (e.Type != WatchEventType.Deleted)
            {
                Reconcile(e.Object.Namespace, e.Object.Name);
            }

            return Task.CompletedTask;
        }

        foreach (var ownerUid in e.Object.OwnerUids)
        {
            foreach (var d in Store.List(Deployments, e.Object.Namespace, null).Items.Where(d => d.Uid == ownerUid))
            {
                Reconcile(d.Namespace, d.Name);
            }
        }

        return Task.CompletedTask;
    }

    private void Reconcile(string ns, string name)
    {
        var deploymentType = ops.Registry.ForStorage(Deployments)!;
        var rsType = ops.Registry.ForStorage(ReplicaSets)!;
        if (ops.TryGet(deploymentType, ns, name) is not { } deployment || deployment.At("metadata", "deletionTimestamp") is not null)
        {
            return;
        }

        var uid = deployment.Str("metadata", "uid")!;
        var desired = deployment.Long("spec", "replicas") ?? 1;
        var template = deployment.At("spec", "template") as JsonObject ?? [];
        var hash = TemplateHash(template);
        var newName = $"{name}-{hash}";
        var owned = OwnerReferences.Owned(Store, uid, ReplicaSets);
        var current = owned.FirstOrDefault(r => r.Str("metadata", "name") == newName);
        var revision = owned.Select(r => long.TryParse(r.Str("metadata", "annotations", RevisionAnnotation), CultureInfo.InvariantCulture, out var v) ? v : 0).DefaultIfEmpty(0).Max();
        var options = new WriteOptions("kube-controller-manager");

        if (current is null)
        {
            var podTemplate = template.CloneObject();
            podTemplate.Metadata().Obj("labels")["pod-template-hash"] = hash;
            var selector = deployment.At("spec", "selector")?.DeepClone() as JsonObject ?? [];
            selector.Obj("matchLabels")["pod-template-hash"] = hash;
            var labels = template.At("metadata", "labels")?.DeepClone() as JsonObject ?? [];
            labels["pod-template-hash"] = hash;
            revision++;
            current = ops.Create(rsType, ns, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = newName,
                    ["labels"] = labels,
                    ["annotations"] = new JsonObject { [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture) },
                    ["ownerReferences"] = OwnerReferences.ControllerRef(deployment),
                },
                ["spec"] = new JsonObject { ["replicas"] = desired, ["selector"] = selector, ["template"] = podTemplate },
            }, options);
            owned.Add(current);
            _events.Normal(deployment, "ScalingReplicaSet", $"Scaled up replica set {newName} from 0 to {desired}");
        }
        else if (current.Long("spec", "replicas") is { } was && was != desired)
        {
            _events.Normal(deployment, "ScalingReplicaSet", $"Scaled {(desired > was ? "up" : "down")} replica set {newName} from {was} to {desired}");
            current = ops.GuaranteedUpdate(rsType, ns, newName, null, options, live =>
            {
                live.Obj("spec")["replicas"] = desired;
                return live;
            });
        }

        // As kube-controller-manager: a ReplicaSet whose template is the Deployment's again (a rollback, or a controller
        // restoring its template) becomes the newest revision, its earlier numbers kept in revision-history.
        var currentNumber = long.TryParse(current.Str("metadata", "annotations", RevisionAnnotation), CultureInfo.InvariantCulture, out var n) ? n : 0;
        var newest = owned.Where(r => r.Str("metadata", "name") != newName)
            .Select(r => long.TryParse(r.Str("metadata", "annotations", RevisionAnnotation), CultureInfo.InvariantCulture, out var v) ? v : 0).DefaultIfEmpty(0).Max();
        if (currentNumber <= newest)
        {
            current = ops.GuaranteedUpdate(rsType, ns, newName, null, options, live =>
            {
                var annotations = live.Metadata().Obj("annotations");
                var history = annotations[RevisionHistoryAnnotation]?.GetValue<string>();
                annotations[RevisionHistoryAnnotation] = string.IsNullOrEmpty(history) ? currentNumber.ToString(CultureInfo.InvariantCulture) : $"{history},{currentNumber.ToString(CultureInfo.InvariantCulture)}";
                annotations[RevisionAnnotation] = (newest + 1).ToString(CultureInfo.InvariantCulture);
                return live;
            });
        }

        foreach (var old in owned.Where(r => r.Str("metadata", "name") != newName && (r.Long("spec", "replicas") ?? 0) != 0))
        {
            _events.Normal(deployment, "ScalingReplicaSet", $"Scaled down replica set {old.Str("metadata", "name")} from {old.Long("spec", "replicas")} to 0");
            ops.GuaranteedUpdate(rsType, ns, old.Str("metadata", "name")!, null, options, live =>
            {
                live.Obj("spec")["replicas"] = 0;
                return live;
            });
        }

        owned = OwnerReferences.Owned(Store, uid, ReplicaSets);
        var newRs = owned.FirstOrDefault(r => r.Str("metadata", "name") == newName) ?? current;
        var currentRevision = newRs.Str("metadata", "annotations", RevisionAnnotation) ?? "1";
        UpdateStatus(deploymentType, ns, name, desired, owned, newRs, currentRevision);
    }

    private void UpdateStatus(ResourceType type, string ns, string name, long desired, List<JsonObject> owned, JsonObject newRs, string revision)
    {
        var replicas = owned.Sum(r => r.Long("status", "replicas") ?? 0);
        var updated = newRs.Long("status", "replicas") ?? 0;
        var ready = owned.Sum(r => r.Long("status", "readyReplicas") ?? 0);
        var available = owned.Sum(r => r.Long("status", "availableReplicas") ?? 0);
        var oldPods = replicas - updated;
        var complete = updated == desired && available >= desired && oldPods == 0;
        var rsName = newRs.Str("metadata", "name");
        var now = ops.Now();

        ops.GuaranteedUpdate(type, ns, name, null, new WriteOptions("kube-controller-manager"), live =>
        {
            live.Metadata().Obj("annotations")[RevisionAnnotation] = revision;
            return live;
        });
        ops.GuaranteedUpdate(type, ns, name, "status", new WriteOptions("kube-controller-manager"), live =>
        {
            var previous = live["status"] as JsonObject;
            var status = new JsonObject
            {
                ["observedGeneration"] = live.Long("metadata", "generation") ?? 1,
                ["replicas"] = replicas,
                ["updatedReplicas"] = updated,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = available,
            };
            if (desired - available > 0)
            {
                status["unavailableReplicas"] = desired - available;
            }

            status["conditions"] = new JsonArray(
                Condition(previous, "Available", available >= desired ? "True" : "False",
                    available >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    available >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now),
                Condition(previous, "Progressing", "True",
                    complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    complete ? $"ReplicaSet \"{rsName}\" has successfully progressed." : $"ReplicaSet \"{rsName}\" is progressing.", now));
            live["status"] = status;
            return live;
        });
    }

    /// <summary>A condition whose lastTransitionTime moves only when its status flips (apimachinery's rule).</summary>
    private static JsonObject Condition(JsonObject? previousStatus, string type, string status, string reason, string message, string now)
    {
        var previous = previousStatus?["conditions"] is JsonArray a ? a.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type) : null;
        var sameStatus = previous?.Str("status") == status;
        var sameReason = sameStatus && previous?.Str("reason") == reason;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = sameReason ? previous!.Str("lastUpdateTime") ?? now : now,
            ["lastTransitionTime"] = sameStatus ? previous!.Str("lastTransitionTime") ?? now : now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    /// <summary>A stable, label-safe hash of the pod template (kube uses FNV of the template; any stable hash serves).</summary>
    private static string TemplateHash(JsonObject template)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(template.ToJsonString()));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var chars = new char[10];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[digest[i] % alphabet.Length];
        }

        return new string(chars);
    }
}
