using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>
/// A DevCluster (the project's embedded API server, over TLS with real authentication and RBAC) with the
/// agentoperator.io CRDs from config/crd/bases installed. Tests share one per process through
/// <see cref="SharedAsync"/> and take a namespace each; tests that inject faults start their own.
/// Identities are ServiceAccounts whose tokens come from TokenRequest, authorized by the Roles the operator generates.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly Lazy<Task<TestCluster>> Shared = new(StartSharedAsync);
    private readonly Lock _operatorLock = new();
    private Task<IKubernetes>? _operator;
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

    /// <summary>Creates a ServiceAccount that no Role names, and returns a token for it.</summary>
    public async Task<string> ServiceAccountTokenAsync(string @namespace, string name)
    {
        await Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, @namespace);
        return await TokenAsync(@namespace, name);
    }

    /// <summary>
    /// Creates the refund example's workflow in <paramref name="namespace"/> (as a user applies it) and, as the operator
    /// does for its revision <see cref="GatewayRoles.Revision"/>, the revision's ServiceAccount, Role and RoleBinding
    /// (<see cref="IdentityBuilder"/>) through the operator's own ServiceAccount and config/rbac's ClusterRole; returns a
    /// token for the revision's ServiceAccount, as the kubelet projects it for the gateway.
    /// </summary>
    public async Task<string> GatewayTokenAsync(string @namespace)
    {
        var asOperator = await OperatorAsync();
        var workflow = GatewayRoles.WorkflowIn(@namespace);
        var stored = KubernetesJson.Deserialize<AgentWorkflow>(KubernetesJson.Serialize(await Admin.CustomObjects.CreateNamespacedCustomObjectAsync(
            workflow, ApiGroup.Group, ApiGroup.Version, @namespace, AgentWorkflow.Plural)));
        var inputs = GatewayRoles.Inputs(stored);
        await asOperator.CoreV1.CreateNamespacedServiceAccountAsync(IdentityBuilder.ServiceAccount(inputs), @namespace);
        await asOperator.RbacAuthorizationV1.CreateNamespacedRoleAsync(IdentityBuilder.Role(inputs), @namespace);
        await asOperator.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(IdentityBuilder.RoleBinding(inputs), @namespace);
        return await TokenAsync(@namespace, GatewayRoles.RevisionObject);
    }

    private async Task<string> TokenAsync(string @namespace, string serviceAccount)
    {
        var request = await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, serviceAccount, @namespace);
        return request.Status.Token;
    }

    /// <summary>The operator's client: config/rbac installed once (as dev mode installs it) and its ServiceAccount's tokens.</summary>
    private Task<IKubernetes> OperatorAsync()
    {
        lock (_operatorLock)
        {
            return _operator ??= InstallOperatorRbacAsync();
        }
    }

    private async Task<IKubernetes> InstallOperatorRbacAsync()
    {
        var rbac = await OperatorRbac.ReadAsync(new RepositoryLayout(RepositoryRoot()), CancellationToken.None);
        await rbac.InstallAsync(new ManifestApplier(Admin, TimeProvider.System), CancellationToken.None);
        return new Kubernetes(rbac.ClientConfiguration(Server.CreateClientConfiguration(), Admin, TimeProvider.System));
    }

    /// <summary>A client that authenticates with <paramref name="token"/>.</summary>
    public Kubernetes Client(string token) => new(Server.CreateClientConfiguration(token));

    /// <summary>The username the API server gives a ServiceAccount.</summary>
    public static string UserOf(string @namespace, string serviceAccount) => $"system:serviceaccount:{@namespace}:{serviceAccount}";

    public async ValueTask DisposeAsync()
    {
        if (_operator is { IsCompletedSuccessfully: true })
        {
            _operator.Result.Dispose();
        }

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
