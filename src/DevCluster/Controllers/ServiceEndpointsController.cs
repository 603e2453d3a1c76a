using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// kube-controller-manager's endpoints and endpointslice controllers, for Services with a selector: the pods the
/// selector matches that have an IP and have not ended become the Service's endpoints, ready as their Ready condition
/// says, in an Endpoints object of the Service's name (addresses / notReadyAddresses) and in EndpointSlices labelled
/// <c>kubernetes.io/service-name</c> and owned by the Service. Each Service port's targetPort resolves per pod (a name
/// through the pod's container ports; a pod without that port is left out of that port), so pods with different port
/// numbers get one subset and one slice each. Selectorless Services' endpoints are their owner's to write.
/// </summary>
internal sealed class ServiceEndpointsController(ResourceOperations ops, ILogger<ServiceEndpointsController> logger) : EventLoopController(ops.Store, logger)
{
    private const string ManagedBy = "endpointslice-controller.k8s.io";
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly GroupResource EndpointsResource = new("", "endpoints");
    private static readonly WriteOptions Writer = new("endpointslice-controller");
    private readonly ControllerObjectWriter _objects = new(ops, Writer);
    private readonly EndpointSliceWriter _slices = new(new ControllerObjectWriter(ops, Writer), ManagedBy);

    protected override Task StartAsync(CancellationToken ct)
    {
        foreach (var service in Store.List(Services, null, null).Items)
        {
            Reconcile(service.Namespace, service.Name);
        }

        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => resource == Services || resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == Services)
        {
            Reconcile(e.Object.Namespace, e.Object.Name);
        }
        else
        {
            // A pod's labels, IP or readiness changed: every Service of its namespace that selects it (before or after).
            foreach (var service in Store.List(Services, e.Object.Namespace, null).Items)
            {
                Reconcile(service.Namespace, service.Name);
            }
        }

        return Task.CompletedTask;
    }

    private void Reconcile(string ns, string name)
    {
        var stored = Store.Get(Services, ns, name);
        var service = stored is null || stored.Deleting ? null : JsonNodeExtensions.ParseObject(stored.Json);
        if (service is null)
        {
            Remove(ns, name);
            return;
        }

        if (service.At("spec", "selector") is not JsonObject { Count: > 0 } selector)
        {
            return;
        }

        // Endpoint groups by their resolved ports, in pod name order.
        var groups = new SortedDictionary<string, (JsonArray Ports, List<(JsonObject Pod, bool Ready)> Pods)>(StringComparer.Ordinal);
        foreach (var pod in Store.List(Pods, ns, null).Items.Where(p => !p.Deleting && selector.All(s => p.Labels.GetValueOrDefault(s.Key) == s.Value?.ToString())))
        {
            var obj = JsonNodeExtensions.ParseObject(pod.Json);
            if (obj.Str("status", "podIP") is null || obj.Str("status", "phase") is "Succeeded" or "Failed")
            {
                continue;
            }

            var ports = Ports(service, obj);
            var key = ports.ToJsonString();
            if (!groups.TryGetValue(key, out var group))
            {
                group = (ports, []);
                groups[key] = group;
            }

            group.Pods.Add((obj, obj.Condition("Ready")?.Str("status") == "True"));
        }

        WriteEndpoints(ns, name, groups.Values);
        WriteSlices(ns, name, stored!.Uid, groups.Count == 0 ? [(new JsonArray(), [])] : groups.Values);
    }

    // Each Service port with its targetPort resolved in this pod: a number as is, a name through the container ports.
    private static JsonArray Ports(JsonObject service, JsonObject pod)
    {
        var ports = new JsonArray();
        foreach (var port in (service.At("spec", "ports") as JsonArray ?? []).OfType<JsonObject>())
        {
            var target = port["targetPort"] ?? port["port"];
            long? number = target?.GetValueKind() == System.Text.Json.JsonValueKind.Number
                ? target.GetValue<long>()
                : (pod.At("spec", "containers") as JsonArray ?? []).OfType<JsonObject>()
                    .SelectMany(c => c["ports"] as JsonArray ?? []).OfType<JsonObject>()
                    .FirstOrDefault(p => p.Str("name") == target?.ToString())?.Long("containerPort");
            if (number is not null)
            {
                ports.Add(new JsonObject { ["name"] = port.Str("name") ?? "", ["port"] = number, ["protocol"] = port.Str("protocol") ?? "TCP" });
            }
        }

        return ports;
    }

    private static JsonObject TargetRef(JsonObject pod) => new()
    {
        ["kind"] = "Pod",
        ["namespace"] = pod.Str("metadata", "namespace"),
        ["name"] = pod.Str("metadata", "name"),
        ["uid"] = pod.Str("metadata", "uid"),
    };

    private void WriteEndpoints(string ns, string name, IEnumerable<(JsonArray Ports, List<(JsonObject Pod, bool Ready)> Pods)> groups)
    {
        var subsets = new JsonArray();
        foreach (var (ports, pods) in groups.Where(g => g.Ports.Count > 0))
        {
            var subset = new JsonObject();
            foreach (var (field, ready) in new[] { ("addresses", true), ("notReadyAddresses", false) })
            {
                var addresses = pods.Where(p => p.Ready == ready).Select(p => (JsonNode)new JsonObject
                {
                    ["ip"] = p.Pod.Str("status", "podIP"),
                    ["nodeName"] = p.Pod.Str("spec", "nodeName"),
                    ["targetRef"] = TargetRef(p.Pod),
                }).ToArray();
                if (addresses.Length > 0)
                {
                    subset[field] = new JsonArray(addresses);
                }
            }

            subset["ports"] = ports.DeepClone();
            subsets.Add(subset);
        }

        _objects.Apply(EndpointsResource, ns, name, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["subsets"] = subsets,
        }, ["subsets"]);
    }

    private void WriteSlices(string ns, string service, string serviceUid, IEnumerable<(JsonArray Ports, List<(JsonObject Pod, bool Ready)> Pods)> groups) =>
        // Named by the service and the port set, so a group keeps its slice while its pods change.
        _slices.Write(ns, service, ("Service", service, serviceUid), groups.Select(g => new EndpointSliceWriter.Slice(
            EndpointSliceWriter.Name(service, g.Ports.ToJsonString()), "IPv4",
            new JsonArray(g.Pods.Select(p => (JsonNode)new JsonObject
            {
                ["addresses"] = new JsonArray(p.Pod.Str("status", "podIP")),
                ["conditions"] = new JsonObject { ["ready"] = p.Ready, ["serving"] = p.Ready, ["terminating"] = false },
                ["nodeName"] = p.Pod.Str("spec", "nodeName"),
                ["targetRef"] = TargetRef(p.Pod),
            }).ToArray()),
            g.Ports)));

    private void Remove(string ns, string service)
    {
        _objects.Delete(EndpointsResource, ns, service);
        _slices.RemoveAll(ns, service);
    }
}
