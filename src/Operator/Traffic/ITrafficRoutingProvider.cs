using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Traffic;

/// <summary>
/// Splits a workflow's traffic between its stable and canary revisions (spec.rollout.trafficRouting.provider).
/// The reconciler asks for the replica counts before it writes the Deployments, then routes.
/// </summary>
internal interface ITrafficRoutingProvider
{
    /// <summary>The provider this implements.</summary>
    TrafficProvider Provider { get; }

    /// <summary>Replicas of the stable and canary Deployments while the canary holds <paramref name="canaryWeight"/> percent.</summary>
    ReplicaSplit Replicas(int desiredReplicas, int canaryWeight);

    /// <summary>Points traffic at the split; writes only what differs. Returns whether the weight is in effect, and why not.</summary>
    Task<TrafficRouteResult> RouteAsync(TrafficRoute route, CancellationToken cancellationToken);
}
