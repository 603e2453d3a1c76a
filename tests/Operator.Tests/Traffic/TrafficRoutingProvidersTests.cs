using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Traffic;
using k8s;

namespace AgentOperator.Operator.Tests.Traffic;

public sealed class TrafficRoutingProvidersTests
{
    private static readonly TrafficRoutingProviders Providers = new(new Kubernetes(new KubernetesClientConfiguration { Host = "https://127.0.0.1:1" }));

    [Fact]
    public void Workflow_without_rollout_gets_replicas() =>
        Assert.IsType<ReplicasTrafficRouting>(Providers.For(TrafficWorkflows.Workflow("ns", "support")));

    [Fact]
    public void Rollout_with_default_traffic_routing_gets_replicas() =>
        Assert.IsType<ReplicasTrafficRouting>(Providers.For(TrafficWorkflows.Workflow("ns", "support", new TrafficRouting())));

    [Fact]
    public void Gateway_api_provider_gets_gateway_api() =>
        Assert.Equal(TrafficProvider.GatewayAPI, Providers.For(TrafficWorkflows.GatewayApi("ns", "support", "support")).Provider);
}
