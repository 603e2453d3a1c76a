using System.Globalization;
using AgentOperator.DevCluster;
using k8s;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>
/// A DevCluster (the project's embedded API server, over TLS with real authentication and RBAC) with the
/// agentoperator.io CRDs from config/crd/bases installed. Tests share one per process through
/// <see cref="SharedAsync"/> and take a namespace each; tests that inject faults start their own.
/// Identities are ServiceAccounts whose tokens come from TokenRequest, authorized by Roles.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly Lazy<Task<TestCluster>> Shared = new(StartSharedAsync);
    private int _namespaces;

    private TestCluster(DevClusterServer server)
    {
        Server = server;
        Admin = new Kubernetes(server.CreateClientConfiguration());
    }

    public DevClusterServer Server { get; }

    /// <summary>A system:masters client: what the operator (and a human administrator) would use.</summary>
    public Kubernetes Admin { get; }

    /// <summary>The cluster shared by every test of this process; it stops when the process exits.</summary>
    public static Task<TestCluster> SharedAsync() => Shared.Value;

    /// <summary>A cluster of the caller's own (dispose it), for tests that make the API server misbehave.</summary>
    public static async Task<TestCluster> StartAsync()
    {
        var server = await DevClusterServer.StartAsync(new DevClusterOptions { SimulateWorkloads = false, WatchBookmarkInterval = TimeSpan.FromMilliseconds(300) });
        var cluster = new TestCluster(server);
        await cluster.InstallCrdsAsync();
        return cluster;
    }

    /// <summary>A fresh namespace, so tests sharing the cluster never see each other's objects.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Creates a ServiceAccount allowed exactly <paramref name="rules"/> in the namespace, and returns a token for it.</summary>
    public async Task<string> ServiceAccountTokenAsync(string @namespace, string name, params V1PolicyRule[] rules)
    {
        await Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, @namespace);
        if (rules.Length > 0)
        {
            await Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = name }, Rules = rules }, @namespace);
            await Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = name },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = name },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name, NamespaceProperty = @namespace }],
            }, @namespace);
        }

        var request = await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, name, @namespace);
        return request.Status.Token;
    }

    /// <summary>A client that authenticates with <paramref name="token"/>.</summary>
    public Kubernetes Client(string token) => new(Server.CreateClientConfiguration(token));

    /// <summary>The username the API server gives a ServiceAccount.</summary>
    public static string UserOf(string @namespace, string serviceAccount) => $"system:serviceaccount:{@namespace}:{serviceAccount}";

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Server.DisposeAsync();
    }

    private static async Task<TestCluster> StartSharedAsync()
    {
        var cluster = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    private async Task InstallCrdsAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "config", "crd", "bases"), "*.yaml"))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
            await Admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!(await Admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name)).Status?.Conditions?.Any(c => c is { Type: "Established", Status: "True" }) == true)
            {
                Assert.True(DateTime.UtcNow < deadline, $"CRD {crd.Metadata.Name} was not established within 10 s");
                await Task.Delay(20);
            }
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"no AgentOperator.sln above {AppContext.BaseDirectory}");
    }
}
