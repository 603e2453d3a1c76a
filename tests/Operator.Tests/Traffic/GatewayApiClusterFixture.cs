using AgentOperator.Operator.Tests.Fixtures;
using k8s;

namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>One DevCluster per test class with the Gateway API HTTPRoute CRD installed; each test creates its own namespace.</summary>
public sealed class GatewayApiClusterFixture : CrdClusterFixture
{
    /// <summary>A client of the operator's identity whose every request <paramref name="log"/> records, for the provider under test.</summary>
    public Kubernetes CreateClient(DelegatingHandler log) => new(OperatorConfiguration, log);

    protected override Task InstallCrdsAsync(Kubernetes client) => GatewayApiCrds.InstallAsync(client, CancellationToken.None);
}
