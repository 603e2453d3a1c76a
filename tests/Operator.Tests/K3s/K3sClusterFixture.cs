using System.Globalization;
using System.Net;
using System.Text;
using AgentOperator.Crds.Generation;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using DotNet.Testcontainers.Builders;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.K3s;

namespace AgentOperator.Operator.Tests.K3s;

/// <summary>
/// A real single-node K3s in a container (Testcontainers.K3s) with the agentoperator.io CRDs installed and the gateway
/// image loaded, for the same lifecycle scenarios the DevCluster suite runs. Pods really start here:
/// <list type="bullet">
/// <item>the gateway sidecar is <c>ghcr.io/agentoperator/gateway:{operator version}</c>, built from the repository's
/// Dockerfile (<c>--target gateway</c>) unless the engine has it already, exported from the engine
/// (<c>GET /images/{name}/get</c>, what <c>docker save</c> does) and put into K3s's
/// <c>/var/lib/rancher/k3s/agent/images/</c>, which K3s imports before it starts pods;</item>
/// <item>the agent container is a pause image (it only has to run; the operator sets a non-root user), pulled by
/// K3s from its registry like the sandbox image;</item>
/// <item>the operators under test use the API server endpoints discovered from <c>default/kubernetes</c>, so the
/// gateway reaches the API through the NetworkPolicy that K3s's policy controller enforces.</item>
/// </list>
/// Without a Docker engine nothing starts: the tests are skipped by <see cref="K3sFactAttribute"/>.
/// </summary>
public sealed class K3sClusterFixture : IAsyncLifetime, IAsyncDisposable, IWorkflowCluster
{
    /// <summary>The K3s release, matching the kubectl (1.32) on the project's machines.</summary>
    public const string K3sImage = "rancher/k3s:v1.32.5-k3s1";

    private const string ImportDirectory = "/var/lib/rancher/k3s/agent/images/";
    private static readonly string[] AgentImages = ["registry.k8s.io/pause:3.10", "rancher/mirrored-pause:3.6"];

    private readonly DiscoveredApiServerEndpoints _apiServer = new();
    private K3sContainer? _container;
    private KubernetesClientConfiguration? _configuration;
    private ApiServerEndpointsDiscovery? _discovery;
    private int _namespaces;

    public Kubernetes Client { get; private set; } = null!;

    public ProvisioningOptions Provisioning => new() { DiscoveredApiServerEndpoints = _apiServer };

    /// <summary>Image pulls and the gateway's start take seconds, not the milliseconds of simulated pods.</summary>
    public TimeSpan ReadyTimeout => TimeSpan.FromMinutes(3);

    /// <summary>The sidecar image the operator injects (its default), which the fixture loads into K3s.</summary>
    public static string GatewayImage => new ProvisioningOptions().GatewayImage;

    public KubernetesClientConfiguration Configuration() => _configuration ?? throw new InvalidOperationException("K3s has not started");

    public string AgentImage(int release) => AgentImages[release - 1];

    public async Task InitializeAsync()
    {
        if (DockerEngine.UnavailableReason is not null)
        {
            return; // every test of the class is skipped with that reason
        }

        var gatewayTar = await GatewayImageTarAsync();
        _container = new K3sBuilder(K3sImage)
            .WithResourceMapping(gatewayTar, ImportDirectory + "agentoperator-gateway.tar")
            .Build();
        await _container.StartAsync();
        using (var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(await _container.GetKubeconfigAsync())))
        {
            _configuration = await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(kubeconfig);
        }

        Client = new Kubernetes(_configuration);
        await InstallCrdsAsync();
        _configuration = await OperatorIdentity.InstallAsync(_configuration, Client); // the operators under test run as config/rbac's ServiceAccount
        _discovery = new ApiServerEndpointsDiscovery(Client, _apiServer, new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        await _discovery.StartAsync(CancellationToken.None);
        Assert.True(_apiServer.Current.Count > 0, "K3s's default/kubernetes names no API server endpoint");
    }

    public async Task DisposeAsync()
    {
        if (_discovery is not null)
        {
            await _discovery.DisposeAsync();
        }

        Client?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private static async Task<byte[]> GatewayImageTarAsync()
    {
        using var engine = DockerEngine.CreateClient(TimeSpan.FromMinutes(10));
        var name = Uri.EscapeDataString(GatewayImage);
        using (var inspect = await engine.GetAsync(new Uri($"images/{name}/json", UriKind.Relative)))
        {
            if (inspect.StatusCode == HttpStatusCode.NotFound)
            {
                var image = new ImageFromDockerfileBuilder()
                    .WithDockerfileDirectory(RepositoryRoot())
                    .WithDockerfile("Dockerfile")
                    .WithTarget("gateway")
                    .WithBuildArgument("VERSION", OperatorVersion.Current)
                    .WithName(GatewayImage)
                    .Build();
                await image.CreateAsync();
            }
        }

        return await engine.GetByteArrayAsync(new Uri($"images/{name}/get", UriKind.Relative));
    }

    private async Task InstallCrdsAsync()
    {
        foreach (var file in CrdManifests.Render().Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory, StringComparison.Ordinal)))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(file.Content);
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            await Within.TrueAsync(
                async () => (await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name)).Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true,
                () => $"CRD {crd.Metadata.Name} not Established");
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
