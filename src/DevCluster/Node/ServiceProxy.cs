using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// kube-proxy's iptables mode for this node: every Service ClusterIP in the node's range and port is DNATed to one of
/// its ready endpoints (chosen at random per connection, as kube-proxy's statistic rules do), from the host (nat
/// OUTPUT) and from pods (nat PREROUTING); a Service port with no ready endpoint is REJECTed (connection refused at
/// once, filter OUTPUT/FORWARD). Endpoints come from the Services' EndpointSlices (the slice port named as the Service
/// port gives the target port, so a named targetPort resolves per pod). The node's two SERVICES chains are rewritten in
/// one <c>iptables-restore</c> whenever a Service or EndpointSlice change alters them.
/// </summary>
internal sealed class ServiceProxy(ObjectStore store, NodeNetwork network, ILogger<ServiceProxy> logger) : EventLoopController(store, logger)
{
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource Slices = new("discovery.k8s.io", "endpointslices");
    private string? _applied;

    protected override Task StartAsync(CancellationToken ct) => ReloadAsync(ct);

    protected override bool Wants(GroupResource resource) => resource == Services || resource == Slices;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct) => ReloadAsync(ct);

    private async Task ReloadAsync(CancellationToken ct)
    {
        var rules = Rules();
        if (rules == _applied)
        {
            return;
        }

        var started = TimeProvider.System.GetTimestamp();
        await HostCommand.RunAsync("iptables-restore", ["--noflush", "-w", "5"], rules, ct);
        network.RuleReloadTimes.Record(TimeProvider.System.GetElapsedTime(started));
        _applied = rules;
    }

    private string Rules()
    {
        var chain = network.Chain("SERVICES");
        StringBuilder nat = new(), filter = new();
        var slices = Store.List(Slices, null, null).Items.Select(s => JsonNodeExtensions.ParseObject(s.Json))
            .Where(s => s.Str("addressType") == "IPv4")
            .ToLookup(s => (s.Str("metadata", "namespace"), s.Str("metadata", "labels", "kubernetes.io/service-name")));
        foreach (var stored in Store.List(Services, null, null).Items)
        {
            var service = JsonNodeExtensions.ParseObject(stored.Json);
            var ips = (service.At("spec", "clusterIPs") as JsonArray ?? [service.At("spec", "clusterIP")?.DeepClone()])
                .Select(ip => IPAddress.TryParse(ip?.ToString(), out var a) ? a : null)
                .OfType<IPAddress>().Where(ip => ip.AddressFamily == AddressFamily.InterNetwork && network.ServiceCidr.Contains(ip)).ToList();
            var serviceSlices = slices[(stored.Namespace, stored.Name)].ToList();
            foreach (var port in (service.At("spec", "ports") as JsonArray ?? []).OfType<JsonObject>())
            {
                var protocol = (port.Str("protocol") ?? "TCP").ToLowerInvariant();
                var endpoints = Endpoints(serviceSlices, port.Str("name") ?? "", port.Str("protocol") ?? "TCP");
                foreach (var ip in ips)
                {
                    var match = $"-d {ip}/32 -p {protocol} -m {protocol} --dport {port.Long("port")}";
                    if (endpoints.Count == 0)
                    {
                        filter.Append($"-A {chain} {match} -j REJECT\n");
                        continue;
                    }

                    for (var i = 0; i < endpoints.Count; i++)
                    {
                        // Endpoint i of n takes 1/(n-i) of what the ones before left: each gets 1/n of the connections.
                        var share = i < endpoints.Count - 1
                            ? " -m statistic --mode random --probability " + (1.0 / (endpoints.Count - i)).ToString("0.0000000000", CultureInfo.InvariantCulture)
                            : "";
                        nat.Append($"-A {chain} {match}{share} -j DNAT --to-destination {endpoints[i]}\n");
                    }
                }
            }
        }

        return $"*nat\n:{chain} - [0:0]\n{nat}COMMIT\n*filter\n:{chain} - [0:0]\n{filter}COMMIT\n";
    }

    // The ready endpoints' ip:port for the Service port named portName, from the slices whose port of that name exists.
    private static List<string> Endpoints(IEnumerable<JsonObject> slices, string portName, string protocol)
    {
        var endpoints = new List<string>();
        foreach (var slice in slices)
        {
            var port = (slice["ports"] as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(p => (p.Str("name") ?? "") == portName && (p.Str("protocol") ?? "TCP") == protocol)?.Long("port");
            if (port is null)
            {
                continue;
            }

            // A nil ready condition means ready (EndpointConditions); kube-proxy uses an endpoint's first address.
            endpoints.AddRange((slice["endpoints"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(e => e.Bool("conditions", "ready") != false)
                .Select(e => (e["addresses"] as JsonArray)?.FirstOrDefault()?.ToString())
                .OfType<string>()
                .Select(address => $"{address}:{port}"));
        }

        return endpoints.Distinct().Order(StringComparer.Ordinal).ToList();
    }
}
