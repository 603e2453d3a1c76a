namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>A cluster without the workload simulation, for tests that write Deployment status themselves.</summary>
public sealed class QuietClusterFixture : ClusterFixture
{
    protected override DevClusterOptions Options => base.Options with { SimulateWorkloads = false };
}
