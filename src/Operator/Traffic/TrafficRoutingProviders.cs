using AgentOperator.Crds.V1Alpha1;
using k8s;

namespace AgentOperator.Operator.Traffic;

/// <summary>Picks the traffic routing provider a workflow's spec names; <c>replicas</c> when spec.rollout or its trafficRouting is absent.</summary>
internal sealed class TrafficRoutingProviders(IKubernetes client)
{
    private readonly ReplicasTrafficRouting _replicas = new();
    private readonly GatewayApiTrafficRouting _gatewayApi = new(client);

    /// <summary>The provider for <paramref name="workflow"/>'s spec.rollout.trafficRouting.provider.</summary>
    public ITrafficRoutingProvider For(AgentWorkflow workflow) =>
        (workflow.Spec.Rollout?.TrafficRouting.Provider ?? TrafficProvider.Replicas) switch
        {
            TrafficProvider.Replicas => _replicas,
            TrafficProvider.GatewayAPI => _gatewayApi,
            var other => throw new ArgumentOutOfRangeException(nameof(workflow), other, "unknown traffic routing provider"),
        };
}
