using System.Globalization;
using AgentOperator.Crds.Generation;
using AgentOperator.DevCluster;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// One DevCluster per test class (its own port, picked by the OS) with the agentoperator.io CRDs installed from the
/// generated manifests. Each test creates its own namespace. Fault injection is cluster-wide, so tests that inject
/// faults live in their own class and so get their own cluster.
/// </summary>
public sealed class WorkflowClusterFixture : IAsyncLifetime, IWorkflowCluster
{
    private DevClusterServer? _server;
    private int _namespaces;

    public DevClusterServer Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>The test's own client (admin); the operators under test get theirs from <see cref="Configuration"/>.</summary>
    public Kubernetes Client { get; private set; } = null!;

    /// <summary>Defaults: DevCluster runs pods of any image, so the gateway image needs no loading.</summary>
    public ProvisioningOptions Provisioning { get; } = new();

    public TimeSpan ReadyTimeout => Within.Default;

    public KubernetesClientConfiguration Configuration() => Server.CreateClientConfiguration();

    /// <summary>Images nobody pulls: DevCluster's pods become Ready whatever their image.</summary>
    public string AgentImage(int release) => $"ghcr.io/example/refund-agent:{release.ToString(CultureInfo.InvariantCulture)}.0.0";

    public async Task InitializeAsync()
    {
        _server = await DevClusterServer.StartAsync(new DevClusterOptions
        {
            WatchBookmarkInterval = TimeSpan.FromMilliseconds(200),
            PodStartDelay = TimeSpan.FromMilliseconds(300),
        });
        Client = new Kubernetes(_server.CreateClientConfiguration());
        foreach (var file in CrdManifests.Render().Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory, StringComparison.Ordinal)))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(file.Content);
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }
}
