using System.Net;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Traffic;

/// <summary>
/// Provider <c>gatewayAPI</c>: weights on the backendRefs of the user's HTTPRoute
/// (spec.rollout.trafficRouting.gatewayAPI.httpRoute, gateway.networking.k8s.io/v1, in the workflow's namespace),
/// rewritten as <see cref="HttpRouteBackendWeights"/> describes. The operator never creates or deletes the route.
/// Replicas: canary = ⌈N·w/100⌉ (0 at w = 0, at least 1 when w &gt; 0 and N &gt; 0), stable = N throughout, since
/// the route, not the pod count, sets the split; N = 0 gives 0 and 0.
/// </summary>
internal sealed class GatewayApiTrafficRouting(IKubernetes client) : ITrafficRoutingProvider
{
    internal const string Group = "gateway.networking.k8s.io";
    internal const string Version = "v1";
    internal const string Plural = "httproutes";

    public TrafficProvider Provider => TrafficProvider.GatewayAPI;

    public ReplicaSplit Replicas(int desiredReplicas, int canaryWeight)
    {
        ReplicaArithmetic.Validate(desiredReplicas, canaryWeight);
        return new ReplicaSplit(Stable: desiredReplicas, Canary: ReplicaArithmetic.Ceiling(desiredReplicas, canaryWeight));
    }

    /// <summary>
    /// Reads the HTTPRoute and merge-patches <c>spec.rules</c> only when a weight, port or backendRef differs, guarded
    /// by the resourceVersion it read. Not in effect (never thrown): the route or its gatewayAPI settings are missing,
    /// no rule references either Service, or the route changed under us (409; the next reconcile retries).
    /// Other API errors are thrown, for the reconciler's backoff.
    /// </summary>
    public async Task<TrafficRouteResult> RouteAsync(TrafficRoute route, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(route.CanaryWeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(route.CanaryWeight, 100);
        var workflow = route.Workflow;
        var ns = workflow.Metadata.NamespaceProperty ?? throw new ArgumentException("the AgentWorkflow has no namespace", nameof(route));
        if (workflow.Spec.Rollout?.TrafficRouting.GatewayAPI is not { } gatewayApi)
        {
            return new TrafficRouteResult(false, "spec.rollout.trafficRouting.gatewayAPI is not set: name the HTTPRoute whose backendRefs the operator weights");
        }

        var services = new BackendServices(ns, route.StableService, route.CanaryService, gatewayApi.Port);
        var name = gatewayApi.HttpRoute;
        var notFound = new TrafficRouteResult(false,
            $"HTTPRoute {ns}/{name} not found: create it with backendRefs to {services.Stable} and {services.Canary} on port {services.Port}; the operator never creates routes");

        JsonObject live;
        try
        {
            live = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return notFound;
        }

        var rules = live["spec"]?["rules"] as JsonArray ?? [];
        if (HttpRouteBackendWeights.Apply(rules, services, route.CanaryWeight) is not { } weighted)
        {
            return new TrafficRouteResult(false,
                $"HTTPRoute {ns}/{name} has no rule with a backendRef to {services.Stable} or {services.Canary}: add one to each rule whose traffic the canary should share");
        }

        if (JsonNode.DeepEquals(rules, weighted))
        {
            return TrafficRouteResult.Applied;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = live["metadata"]?["resourceVersion"]?.DeepClone() },
            ["spec"] = new JsonObject { ["rules"] = weighted },
        };
        try
        {
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, name, cancellationToken: cancellationToken);
            return TrafficRouteResult.Applied;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return new TrafficRouteResult(false, $"HTTPRoute {ns}/{name} changed while its weights were being written; retrying");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return notFound;
        }
    }
}
