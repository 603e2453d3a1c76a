using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Traffic;

/// <summary>
/// Provider <c>replicas</c>: the split is the replica ratio behind the workflow Service <c>{workflow}</c>, which
/// selects every pod of both revisions, as Argo Rollouts' basic canary does without a traffic router.
/// For N desired replicas and a canary weight w (percent, 0..100):
/// <list type="bullet">
/// <item>canary = ⌈N·w/100⌉: at least 1 as soon as w &gt; 0, 0 at w = 0;</item>
/// <item>stable = N − ⌊N·w/100⌋: the stable revision gives up a pod only for a whole canary pod's worth of weight,
/// so it never drops below its share before the canary can carry it, and reaches 0 only at w = 100;</item>
/// <item>the canary's effective share of requests is canary / (canary + stable), e.g. N = 4, w = 5 → 1 canary,
/// 4 stable, 20 %; N = 1 rounds every 0 &lt; w &lt; 100 to 1 + 1, 50 %.</item>
/// </list>
/// So canary + stable is N when N·w/100 is whole and N + 1 otherwise (one surge pod), canary grows and stable shrinks
/// monotonically with w, w = 100 gives N canary and 0 stable, and N = 0 gives 0 and 0 (the workflow is scaled to zero).
/// </summary>
internal sealed class ReplicasTrafficRouting : ITrafficRoutingProvider
{
    public TrafficProvider Provider => TrafficProvider.Replicas;

    public ReplicaSplit Replicas(int desiredReplicas, int canaryWeight)
    {
        ReplicaArithmetic.Validate(desiredReplicas, canaryWeight);
        return new ReplicaSplit(
            Stable: desiredReplicas - ReplicaArithmetic.Floor(desiredReplicas, canaryWeight),
            Canary: ReplicaArithmetic.Ceiling(desiredReplicas, canaryWeight));
    }

    /// <summary>Nothing to write: the Services select by revision, and the Deployments' replicas are the split.</summary>
    public Task<TrafficRouteResult> RouteAsync(TrafficRoute route, CancellationToken cancellationToken) =>
        Task.FromResult(TrafficRouteResult.Applied);
}
