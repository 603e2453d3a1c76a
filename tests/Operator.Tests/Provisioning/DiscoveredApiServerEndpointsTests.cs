using AgentOperator.Operator.Provisioning;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class DiscoveredApiServerEndpointsTests
{
    [Fact]
    public void Set_SameEndpointsInAnotherOrder_NoChangeRaised()
    {
        var discovered = new DiscoveredApiServerEndpoints();
        var changes = 0;
        discovered.Changed += () => changes++;

        Assert.True(discovered.Set([new("10.0.0.6/32", 6443), new("10.0.0.5/32", 6443)]));
        Assert.False(discovered.Set([new("10.0.0.5/32", 6443), new("10.0.0.6/32", 6443), new("10.0.0.5/32", 6443)]));

        Assert.Equal(1, changes);
        Assert.Equal([new("10.0.0.5/32", 6443), new("10.0.0.6/32", 6443)], discovered.Current);
    }

    [Fact]
    public void NetworkPolicy_UsesTheDiscoveredEndpoints_UnlessFixedOnesAreConfigured()
    {
        var discovered = new DiscoveredApiServerEndpoints();
        discovered.Set([new("127.0.0.1/32", 41234)]);

        var fromDiscovery = new ProvisioningOptions { DiscoveredApiServerEndpoints = discovered };
        var fixedOnes = fromDiscovery with { ApiServerEndpoints = [new("10.0.0.5/32", 6443)] };

        Assert.Equal([new NetworkEndpoint("127.0.0.1/32", 41234)], fromDiscovery.CurrentApiServerEndpoints());
        Assert.Equal([new NetworkEndpoint("10.0.0.5/32", 6443)], fixedOnes.CurrentApiServerEndpoints());
        Assert.Empty(new ProvisioningOptions().CurrentApiServerEndpoints());
    }
}
