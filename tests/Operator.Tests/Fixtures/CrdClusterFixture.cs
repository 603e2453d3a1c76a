using System.Globalization;
using AgentOperator.DevCluster;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// One DevCluster per test class (its own port, picked by the OS) with the CRDs a subclass installs and config/rbac;
/// each test creates its own namespace. Operator code under test gets <see cref="OperatorConfiguration"/>, never admin.
/// </summary>
public abstract class CrdClusterFixture : IAsyncLifetime
{
    private DevClusterServer? _server;
    private int _namespaces;

    public DevClusterServer Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>The test's own client (admin).</summary>
    public Kubernetes Client { get; private set; } = null!;

    /// <summary>The client configuration of operator code under test: config/rbac's ServiceAccount (<see cref="OperatorIdentity"/>).</summary>
    public KubernetesClientConfiguration OperatorConfiguration { get; private set; } = null!;

    /// <summary>The cluster's options (default: DevCluster's defaults).</summary>
    protected virtual DevClusterOptions Options => new();

    public async Task InitializeAsync()
    {
        _server = await DevClusterServer.StartAsync(Options);
        Client = new Kubernetes(_server.CreateClientConfiguration());
        await InstallCrdsAsync(Client);
        OperatorConfiguration = await OperatorIdentity.InstallAsync(_server.CreateClientConfiguration(), Client);
    }

    public virtual async Task DisposeAsync()
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

    protected abstract Task InstallCrdsAsync(Kubernetes client);
}
