using AgentOperator.DevCluster;
using AgentOperator.DevCluster.Node;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// A DevCluster whose pods run on its node, as a kubelet runs them: volumes are mounted for real, so a pod whose Secret
/// does not exist waits in ContainerCreating with FailedMount Events. No image is mapped to a command, so containers
/// run without a process (as KWOK marks them) once their volumes are mounted.
/// </summary>
public sealed class NodeWorkflowClusterFixture : CrdClusterFixture
{
    public ProvisioningOptions Provisioning { get; } = new();

    protected override DevClusterOptions Options => new()
    {
        WatchBookmarkInterval = TimeSpan.FromMilliseconds(200),
        Node = new NodeOptions { VolumeSyncPeriod = TimeSpan.FromMilliseconds(300) },
    };

    protected override Task InstallCrdsAsync(Kubernetes client) => AgentOperatorCrds.InstallAsync(client, CancellationToken.None);
}
