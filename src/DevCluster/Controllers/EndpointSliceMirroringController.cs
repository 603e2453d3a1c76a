using System.Net;
using System.Net.Sockets;
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
    private const string ManagedBy = "endpointslicemirroring-controller.k8s.io";
    private const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource EndpointsResource = new("", "endpoints");
    private readonly EndpointSliceWriter _slices = new(new ControllerObjectWriter(ops, new WriteOptions("endpointslicemirroring-controller")), ManagedBy);

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
        if (!mirrored)
        {
            _slices.RemoveAll(ns, name);
            return;
        }

        var slices = new List<EndpointSliceWriter.Slice>();
        foreach (var subset in (JsonNodeExtensions.ParseObject(endpoints!.Json)["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var ports = new JsonArray((subset["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Str("name") ?? "",
                ["port"] = p.Long("port"),
                ["protocol"] = p.Str("protocol") ?? "TCP",
            }).ToArray());
            foreach (var family in Addresses(subset, "addresses", ready: true).Concat(Addresses(subset, "notReadyAddresses", ready: false)).GroupBy(a => a.Family))
            {
                // Named by the Endpoints, the port set and the family, so a subset keeps its slice while its addresses change.
                var addressType = family.Key == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                slices.Add(new EndpointSliceWriter.Slice(EndpointSliceWriter.Name($"{name}-mirror", addressType + ports.ToJsonString()), addressType,
                    new JsonArray(family.Select(a => a.Endpoint).ToArray()), ports));
            }
        }

        _slices.Write(ns, name, ("Endpoints", name, endpoints.Uid), slices);
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
}
