using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;

namespace AgentOperator.DevCluster.Bootstrap;

/// <summary>
/// What kube-apiserver's endpoint reconciler publishes once it serves: the <c>default/kubernetes</c> Service (port
/// 443, targetPort the secure port) and its Endpoints and EndpointSlice, both named <c>kubernetes</c>, carrying the
/// address and port the server really listens on. Clients that must reach the API server by address (a
/// NetworkPolicy's egress rule, for one) read them.
/// </summary>
internal static class KubernetesServiceEndpoints
{
    public const string Name = "kubernetes";
    private const string Namespace = "default";
    private const string PortName = "https";

    public static void Publish(ResourceOperations ops, IPAddress address, int port)
    {
        var options = new WriteOptions("kube-apiserver");
        var ip = address.ToString();
        var services = ops.Registry.Find("", "v1", "services")!;
        ops.Create(services, Namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = ops.ClusterIps.Kubernetes.ToString(),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = PortName, ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = port }),
            },
        }, options);

        // kube-apiserver marks its Endpoints so the mirroring controller does not copy them into a second slice.
        var endpoints = ops.Registry.Find("", "v1", "endpoints")!;
        ops.Create(endpoints, Namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = ip }),
                ["ports"] = new JsonArray(Port(port)),
            }),
        }, options);

        var slices = ops.Registry.Find("discovery.k8s.io", "v1", "endpointslices")!;
        ops.Create(slices, Namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = Name } },
            ["addressType"] = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
            ["endpoints"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(ip),
                ["conditions"] = new JsonObject { ["ready"] = true },
            }),
            ["ports"] = new JsonArray(Port(port)),
        }, options);
    }

    private static JsonObject Port(int port) => new() { ["name"] = PortName, ["port"] = port, ["protocol"] = "TCP" };
}
