using System.Globalization;
using AgentOperator.DevCluster;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// One DevCluster (the project's embedded API server) per test class, with the agentoperator.io CRDs and config/rbac installed.
/// Each test takes its own namespace from <see cref="CreateNamespaceAsync"/>, so tests do not see each other's objects.
/// </summary>
public sealed class DevClusterFixture : IAsyncLifetime
{
    private DevClusterServer? _server;
    private Kubernetes? _admin;
    private int _namespaces;

    public DevClusterServer Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>The client configuration of an operator under test: config/rbac's ServiceAccount (<see cref="OperatorIdentity"/>).</summary>
    public KubernetesClientConfiguration OperatorConfiguration { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The runtime tests reconcile and count every ConfigMap of their namespace; kube-root-ca.crt would be one more
        // (the workflow, rollout and dev-mode suites run with it, as on a real cluster).
        _server = await DevClusterServer.StartAsync(new DevClusterOptions { WatchBookmarkInterval = TimeSpan.FromMilliseconds(200), PublishRootCaConfigMap = false });
        _admin = CreateClient();
        await InstallCrdsAsync(_admin);
        OperatorConfiguration = await OperatorIdentity.InstallAsync(_server.CreateClientConfiguration(), _admin);
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public Kubernetes CreateClient() => new(Server.CreateClientConfiguration());

    /// <summary>Creates a fresh namespace named after the test.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        using var client = CreateClient();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private static async Task InstallCrdsAsync(Kubernetes client)
    {
        var directory = Path.Combine(RepositoryRoot(), "config", "crd", "bases");
        foreach (var file in Directory.GetFiles(directory, "*.yaml"))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            await Eventually.TrueAsync(async () =>
            {
                var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
                return current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
            }, $"CRD {crd.Metadata.Name} was not established");
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"no AgentOperator.sln above {AppContext.BaseDirectory}");
    }
}
