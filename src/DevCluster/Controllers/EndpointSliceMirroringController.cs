using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// kube-controller-manager's EndpointSlice mirroring controller: the Endpoints an owner writes for a Service without a
/// selector are mirrored into EndpointSlices (one per subset and address family; <c>addresses</c> ready,
/// <c>notReadyAddresses</c> not), labelled <c>kubernetes.io/service-name</c> and managed-by
/// <c>endpointslicemirroring-controller.k8s.io</c>, owned by the Endpoints; so kube-proxy's rules and DNS, which read
/// slices, see them. Endpoints labelled <c>endpointslice.kubernetes.io/skip-mirror: "true"</c> (the API server's own
/// for <c>kubernetes</c>) are not mirrored; the mirrored slices go when the Endpoints or the Service go or the Service
/// gets a selector.
/// </summary>
internal sealed class EndpointSliceMirroringController(ResourceOperations ops, ILogger<EndpointSliceMirroringController> logger) : EventLoopController(ops.Store, logger)
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    private const string ManagedBy = "endpointslicemirroring-controller.k8s.io";
    private const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource EndpointsResource = new("", "endpoints");
    private static readonly GroupResource Slices = new("discovery.k8s.io", "endpointslices");
    private static readonly WriteOptions Writer = new("endpointslicemirroring-controller");

    protected override Task StartAsync(CancellationToken ct)
    {
        foreach (var endpoints in Store.List(EndpointsResource, null, null).Items)
        {
            Reconcile(endpoints.Namespace, endpoints.Name);
        }

        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => resource == Services || resource == EndpointsResource;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        Reconcile(e.Object.Namespace, e.Object.Name);
        return Task.CompletedTask;
    }

    private void Reconcile(string ns, string name)
    {
        var endpoints = Store.Get(EndpointsResource, ns, name);
        var service = Store.Get(Services, ns, name);
        var mirrored = endpoints is { Deleting: false } && endpoints.Labels.GetValueOrDefault(SkipMirrorLabel) != "true"
            && service is { Deleting: false } && JsonNodeExtensions.ParseObject(service.Json).At("spec", "selector") is not JsonObject { Count: > 0 };
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        if (mirrored)
        {
            var obj = JsonNodeExtensions.ParseObject(endpoints!.Json);
            foreach (var subset in (obj["subsets"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var ports = new JsonArray((subset["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p.Str("name") ?? "",
                    ["port"] = p.Long("port"),
                    ["protocol"] = p.Str("protocol") ?? "TCP",
                }).ToArray());
                var endpointsByFamily = Addresses(subset, "addresses", ready: true).Concat(Addresses(subset, "notReadyAddresses", ready: false))
                    .GroupBy(a => a.Family);
                foreach (var family in endpointsByFamily)
                {
                    // Named by the Endpoints, the port set and the family, so a subset keeps its slice while its addresses change.
                    var addressType = family.Key == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                    var slice = $"{name}-mirror-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(addressType + ports.ToJsonString())))[..5]}";
                    wanted.Add(slice);
                    Apply(ns, slice, new JsonObject
                    {
                        ["metadata"] = new JsonObject
                        {
                            ["name"] = slice,
                            ["labels"] = new JsonObject { [ServiceNameLabel] = name, [ManagedByLabel] = ManagedBy },
                            ["ownerReferences"] = new JsonArray(new JsonObject
                            {
                                ["apiVersion"] = "v1", ["kind"] = "Endpoints", ["name"] = name, ["uid"] = endpoints.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
                            }),
                        },
                        ["addressType"] = addressType,
                        ["endpoints"] = new JsonArray(family.Select(a => a.Endpoint).ToArray()),
                        ["ports"] = ports.DeepClone(),
                    });
                }
            }
        }

        foreach (var stale in Store.List(Slices, ns, null).Items.Where(s => s.Labels.GetValueOrDefault(ServiceNameLabel) == name
            && s.Labels.GetValueOrDefault(ManagedByLabel) == ManagedBy && !wanted.Contains(s.Name)))
        {
            Delete(ns, stale.Name);
        }
    }

    private static IEnumerable<(AddressFamily Family, JsonNode Endpoint)> Addresses(JsonObject subset, string field, bool ready) =>
        (subset[field] as JsonArray ?? []).OfType<JsonObject>()
            .Select(a => (Address: IPAddress.TryParse(a.Str("ip"), out var ip) ? ip : null, Source: a))
            .Where(a => a.Address is not null)
            .Select(a => (a.Address!.AddressFamily, (JsonNode)Endpoint(a.Address, ready, a.Source)));

    private static JsonObject Endpoint(IPAddress address, bool ready, JsonObject source)
    {
        var endpoint = new JsonObject { ["addresses"] = new JsonArray(address.ToString()), ["conditions"] = new JsonObject { ["ready"] = ready } };
        foreach (var field in (string[])["nodeName", "hostname", "targetRef"])
        {
            if (source[field] is { } value)
            {
                endpoint[field] = value.DeepClone();
            }
        }

        return endpoint;
    }

    // Creates the slice, or updates its endpoints and ports when they differ from the stored ones.
    private void Apply(string ns, string name, JsonObject desired)
    {
        var type = ops.Registry.ForStorage(Slices)!;
        try
        {
            if (Store.Get(Slices, ns, name) is not { } current)
            {
                ops.Create(type, ns, desired, Writer);
                return;
            }

            var live = JsonNodeExtensions.ParseObject(current.Json);
            if (JsonNode.DeepEquals(live["endpoints"], desired["endpoints"]) && JsonNode.DeepEquals(live["ports"], desired["ports"]))
            {
                return;
            }

            ops.GuaranteedUpdate(type, ns, name, null, Writer, obj =>
            {
                obj["endpoints"] = desired["endpoints"]?.DeepClone();
                obj["ports"] = desired["ports"]?.DeepClone();
                return obj;
            });
        }
        catch (ApiException e) when (e.Code is 404 or 409 or 403)
        {
            // The namespace is going away, or the object changed meanwhile (its event brings us back).
        }
    }

    private void Delete(string ns, string name)
    {
        try
        {
            ops.Delete(ops.Registry.ForStorage(Slices)!, ns, name, new DeleteOptions("Background"));
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
