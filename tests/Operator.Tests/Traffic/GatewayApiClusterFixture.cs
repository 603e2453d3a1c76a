using System.Globalization;
using AgentOperator.DevCluster;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>One DevCluster per test class with the Gateway API HTTPRoute CRD installed; each test creates its own namespace.</summary>
public sealed class GatewayApiClusterFixture : IAsyncLifetime
{
    private DevClusterServer? _server;
    private int _namespaces;

    public DevClusterServer Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>The test's own client (admin), for arranging and inspecting routes.</summary>
    public Kubernetes Client { get; private set; } = null!;

    /// <summary>A client whose every request <paramref name="log"/> records, for the provider under test.</summary>
    public Kubernetes CreateClient(DelegatingHandler log) => new(Server.CreateClientConfiguration(), log);

    public async Task InitializeAsync()
    {
        _server = await DevClusterServer.StartAsync();
        Client = new Kubernetes(_server.CreateClientConfiguration());
        await GatewayApiCrds.InstallAsync(Client, CancellationToken.None);
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
