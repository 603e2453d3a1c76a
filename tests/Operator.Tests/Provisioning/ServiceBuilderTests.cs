using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class ServiceBuilderTests
{
    [Fact]
    public void Build_makes_the_workflow_stable_and_canary_services()
    {
        var services = ServiceBuilder.Build(Workflow(), "aaa111", "bbb222", new());

        Assert.Equal(["refund-agent", "refund-agent-stable", "refund-agent-canary"], services.Select(s => s.Metadata.Name));
        Assert.Equal(new Dictionary<string, string> { ["agentoperator.io/workflow"] = WorkflowName }, services[0].Spec.Selector);
        Assert.Equal("aaa111", services[1].Spec.Selector["agentoperator.io/revision"]);
        Assert.Equal("bbb222", services[2].Spec.Selector["agentoperator.io/revision"]);
        Assert.All(services, s => Assert.Equal("ClusterIP", s.Spec.Type));
    }

    [Fact]
    public void Build_without_a_canary_points_the_canary_service_at_the_stable_revision()
    {
        var services = ServiceBuilder.Build(Workflow(), "aaa111", null, new());

        Assert.Equal("aaa111", services[2].Spec.Selector["agentoperator.io/revision"]);
    }

    [Fact]
    public void Build_targets_the_named_agent_port_on_the_gateway_api_port_and_metrics_only_on_the_workflow_service()
    {
        var spec = Spec with { Rollout = new() { TrafficRouting = new() { Provider = TrafficProvider.GatewayAPI, GatewayAPI = new() { HttpRoute = "refunds", Port = 8000 } } } };

        var services = ServiceBuilder.Build(Workflow(spec), "aaa111", null, new());

        Assert.Equal(["http:8000->http", "metrics:15090->metrics"], services[0].Spec.Ports.Select(p => $"{p.Name}:{p.Port}->{p.TargetPort.Value}"));
        Assert.Equal(["http:8000->http"], services[1].Spec.Ports.Select(p => $"{p.Name}:{p.Port}->{p.TargetPort.Value}"));
        Assert.DoesNotContain(services.SelectMany(s => s.Spec.Ports), p => p.Port == 15080);
    }
}
