using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Traffic;
using AgentOperator.TestSupport;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>The gatewayAPI provider against DevCluster with the HTTPRoute CRD: reads, weights and writes a user's route.</summary>
public sealed class GatewayApiTrafficRoutingTests(GatewayApiClusterFixture cluster) : IClassFixture<GatewayApiClusterFixture>
{
    private const string Workflow = "refund";
    private const string RouteName = "support";
    private static readonly string Stable = ChildNames.StableService(Workflow);
    private static readonly string Canary = ChildNames.CanaryService(Workflow);

    [Fact]
    public async Task Weights_follow_the_steps_and_everything_else_in_the_route_is_preserved()
    {
        var ns = await cluster.CreateNamespaceAsync("steps");
        var created = await CreateRouteAsync(ns, UserRoute(ns));
        var (provider, _) = Provider();

        foreach (var weight in new[] { 0, 5, 25, 100 })
        {
            var result = await provider.RouteAsync(Route(ns, weight), CancellationToken.None);

            Assert.Equal(TrafficRouteResult.Applied, result);
            var live = await ReadRouteAsync(ns);
            Assert.Equal([100 - weight, weight], OurWeights(live));
            Assert.True(JsonNode.DeepEquals(WithoutOurWeights(created["spec"]!), WithoutOurWeights(live["spec"]!)), live["spec"]!.ToJsonString());
            Assert.True(JsonNode.DeepEquals(created["metadata"]!["labels"], live["metadata"]!["labels"]));
            Assert.True(JsonNode.DeepEquals(created["metadata"]!["annotations"], live["metadata"]!["annotations"]));
        }
    }

    [Fact]
    public async Task Routing_the_same_weight_again_reads_once_and_writes_nothing()
    {
        var ns = await cluster.CreateNamespaceAsync("idle");
        await CreateRouteAsync(ns, UserRoute(ns));
        var (provider, log) = Provider();
        await provider.RouteAsync(Route(ns, 25), CancellationToken.None);
        var before = (string?)(await ReadRouteAsync(ns))["metadata"]!["resourceVersion"];
        log.Clear();

        var result = await provider.RouteAsync(Route(ns, 25), CancellationToken.None);

        Assert.Equal(TrafficRouteResult.Applied, result);
        Assert.Equal(["GET"], log.All.Select(r => r.Split(' ')[0]));
        Assert.Equal(before, (string?)(await ReadRouteAsync(ns))["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Missing_route_is_not_in_effect_with_how_to_create_it_and_is_never_created()
    {
        var ns = await cluster.CreateNamespaceAsync("missing");
        var (provider, log) = Provider();

        var result = await provider.RouteAsync(Route(ns, 5), CancellationToken.None);

        Assert.Equal(new TrafficRouteResult(false,
            $"HTTPRoute {ns}/{RouteName} not found: create it with backendRefs to {Stable} and {Canary} on port 8080; the operator never creates routes"), result);
        Assert.Empty(log.Writes);
    }

    [Fact]
    public async Task Route_without_our_services_is_not_in_effect_and_not_written()
    {
        var ns = await cluster.CreateNamespaceAsync("foreign");
        var route = UserRoute(ns);
        route["spec"]!["rules"] = JsonNode.Parse("""[{"backendRefs":[{"name":"status-page","port":80}]}]""");
        await CreateRouteAsync(ns, route);
        var (provider, log) = Provider();

        var result = await provider.RouteAsync(Route(ns, 5), CancellationToken.None);

        Assert.False(result.InEffect);
        Assert.Equal($"HTTPRoute {ns}/{RouteName} has no rule with a backendRef to {Stable} or {Canary}: add one to each rule whose traffic the canary should share", result.Message);
        Assert.Empty(log.Writes);
    }

    [Fact]
    public async Task Conflict_on_write_is_not_in_effect_and_the_next_call_applies_the_weight()
    {
        var ns = await cluster.CreateNamespaceAsync("conflict");
        await CreateRouteAsync(ns, UserRoute(ns));
        var (provider, _) = Provider();
        cluster.Server.Faults.FailNext("patch", "httproutes", 409);

        var conflicted = await provider.RouteAsync(Route(ns, 5), CancellationToken.None);

        Assert.False(conflicted.InEffect);
        Assert.Equal($"HTTPRoute {ns}/{RouteName} changed while its weights were being written; retrying", conflicted.Message);
        var untouched = await ReadRouteAsync(ns);
        Assert.Equal([1, 0], OurWeights(untouched));

        Assert.Equal(TrafficRouteResult.Applied, await provider.RouteAsync(Route(ns, 5), CancellationToken.None));
        var retried = await ReadRouteAsync(ns);
        Assert.Equal([95, 5], OurWeights(retried));
    }

    [Fact]
    public async Task Route_changed_by_another_writer_after_the_read_is_not_overwritten()
    {
        var ns = await cluster.CreateNamespaceAsync("race");
        await CreateRouteAsync(ns, UserRoute(ns));
        var labelPatch = new V1Patch("""{"metadata":{"labels":{"edited":"by-someone-else"}}}""", V1Patch.PatchType.MergePatch);
        var provider = new GatewayApiTrafficRouting(cluster.CreateClient(new BeforeFirstPatch(() =>
            cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
                labelPatch, GatewayApiTrafficRouting.Group, GatewayApiTrafficRouting.Version, ns, GatewayApiTrafficRouting.Plural, RouteName))));

        var raced = await provider.RouteAsync(Route(ns, 25), CancellationToken.None);

        Assert.False(raced.InEffect);
        var untouched = await ReadRouteAsync(ns);
        Assert.Equal([1, 0], OurWeights(untouched));
        Assert.Equal(TrafficRouteResult.Applied, await provider.RouteAsync(Route(ns, 25), CancellationToken.None));
        var live = await ReadRouteAsync(ns);
        Assert.Equal([75, 25], OurWeights(live));
        Assert.Equal("by-someone-else", (string?)live["metadata"]!["labels"]!["edited"]);
    }

    [Fact]
    public async Task Kubectl_sees_the_weights()
    {
        var ns = await cluster.CreateNamespaceAsync("kubectl");
        await CreateRouteAsync(ns, UserRoute(ns));
        var (provider, _) = Provider();
        await provider.RouteAsync(Route(ns, 25), CancellationToken.None);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"traffic-{Guid.NewGuid():N}.kubeconfig");
        cluster.Server.WriteKubeconfig(kubeconfig, ns);
        try
        {
            var output = await Kubectl.RunAsync(kubeconfig, "get", "httproute", RouteName,
                "-o", "jsonpath={range .spec.rules[0].backendRefs[*]}{.name}={.weight} {end}");

            Assert.Equal($"{Stable}=75 legacy-refunds=0 {Canary}=25", output.Trim());
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private (GatewayApiTrafficRouting Provider, ApiRequestLog Log) Provider()
    {
        var log = new ApiRequestLog();
        return (new GatewayApiTrafficRouting(cluster.CreateClient(log)), log);
    }

    private static TrafficRoute Route(string ns, int weight) =>
        new(TrafficWorkflows.GatewayApi(ns, Workflow, RouteName, port: 8080), Stable, Canary, weight);

    // What a user applies: a parent Gateway, hostnames, a weighted rule with matches, filters, a timeout and a third
    // backend, and a rule for another Service entirely.
    private static JsonObject UserRoute(string ns) => JsonNode.Parse($$$"""
        {
          "apiVersion": "gateway.networking.k8s.io/v1",
          "kind": "HTTPRoute",
          "metadata": {"name": "{{{RouteName}}}", "namespace": "{{{ns}}}", "labels": {"team": "support"}, "annotations": {"owner": "platform"}},
          "spec": {
            "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
            "hostnames": ["support.example.com"],
            "rules": [
              {
                "matches": [{"path": {"type": "PathPrefix", "value": "/refunds"}, "headers": [{"name": "x-tier", "value": "gold"}]}],
                "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"add": [{"name": "x-team", "value": "support"}]}}],
                "backendRefs": [
                  {"name": "{{{Stable}}}", "port": 8080},
                  {"name": "legacy-refunds", "port": 8080, "weight": 0},
                  {"name": "{{{Canary}}}", "port": 8080, "weight": 0}
                ],
                "timeouts": {"request": "30s"}
              },
              {"matches": [{"path": {"type": "PathPrefix", "value": "/status"}}], "backendRefs": [{"name": "status-page", "port": 80}]}
            ]
          }
        }
        """)!.AsObject();

    private async Task<JsonObject> CreateRouteAsync(string ns, JsonObject route) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(
            route, GatewayApiTrafficRouting.Group, GatewayApiTrafficRouting.Version, ns, GatewayApiTrafficRouting.Plural);

    private async Task<JsonObject> ReadRouteAsync(string ns) =>
        await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(
            GatewayApiTrafficRouting.Group, GatewayApiTrafficRouting.Version, ns, GatewayApiTrafficRouting.Plural, RouteName);

    private static int[] OurWeights(JsonObject route)
    {
        var refs = route["spec"]!["rules"]![0]!["backendRefs"]!.AsArray();
        return [.. new[] { Stable, Canary }.Select(name => (int)refs.Single(r => (string?)r!["name"] == name)!["weight"]!)];
    }

    private static JsonNode WithoutOurWeights(JsonNode spec)
    {
        var copy = spec.DeepClone();
        foreach (var backend in copy["rules"]!.AsArray().SelectMany(r => r!["backendRefs"]!.AsArray()).OfType<JsonObject>())
        {
            if ((string?)backend["name"] == Stable || (string?)backend["name"] == Canary)
            {
                backend.Remove("weight");
            }
        }

        return copy;
    }
}
