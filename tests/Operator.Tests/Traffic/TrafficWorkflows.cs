using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>Minimal AgentWorkflows for the traffic providers, which read only metadata and spec.rollout.trafficRouting.</summary>
internal static class TrafficWorkflows
{
    public static AgentWorkflow Workflow(string ns, string name, TrafficRouting? routing = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new AgentWorkflowSpec
        {
            Runtime = new AgentRuntime { Image = "ghcr.io/example/refund-agent:1.0.0" },
            Budgets = new Budgets(),
            Rollout = routing is null ? null : new RolloutSpec { TrafficRouting = routing },
        },
    };

    public static AgentWorkflow GatewayApi(string ns, string name, string httpRoute, int port = 8080) =>
        Workflow(ns, name, new TrafficRouting
        {
            Provider = TrafficProvider.GatewayAPI,
            GatewayAPI = new GatewayApiRouting { HttpRoute = httpRoute, Port = port },
        });
}
