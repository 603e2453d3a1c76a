using System.Globalization;
using AgentOperator.DevCluster;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// One DevCluster per test class (its own port, picked by the OS) with the agentoperator.io CRDs installed from the
/// generated manifests. Each test creates its own namespace. Fault injection is cluster-wide, so tests that inject
/// faults live in their own class and so get their own cluster.
/// </summary>
public sealed class WorkflowClusterFixture : CrdClusterFixture, IWorkflowCluster
{
    /// <summary>Defaults: DevCluster runs pods of any image, so the gateway image needs no loading.</summary>
    public ProvisioningOptions Provisioning { get; } = new();

    public TimeSpan ReadyTimeout => Within.Default;

    protected override DevClusterOptions Options => new()
    {
        WatchBookmarkInterval = TimeSpan.FromMilliseconds(200),
        PodStartDelay = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>The client configuration of the operators under test (config/rbac's ServiceAccount); the test's own client is <see cref="CrdClusterFixture.Client"/>.</summary>
    public KubernetesClientConfiguration Configuration() => OperatorConfiguration;

    /// <summary>Images nobody pulls: DevCluster's pods become Ready whatever their image.</summary>
    public string AgentImage(int release) => $"ghcr.io/example/refund-agent:{release.ToString(CultureInfo.InvariantCulture)}.0.0";

    protected override Task InstallCrdsAsync(Kubernetes client) => AgentOperatorCrds.InstallAsync(client, CancellationToken.None);
}
