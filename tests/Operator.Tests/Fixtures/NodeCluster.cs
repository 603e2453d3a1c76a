using AgentOperator.DevCluster;
using AgentOperator.DevMode;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.LiveView;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.SampleAgent;
using k8s;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// Dev mode's environment for end-to-end tests (<see cref="DevEnvironment"/>): DevCluster whose node runs every pod as
/// the project's published images, the fakes standing in for the model providers and the tools' services, optionally a
/// Prometheus scraping the gateways, and config/rbac installed for an operator under test (<see cref="OperatorConfiguration"/>).
/// The images are published once per repository state into a folder shared by every test run.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    private readonly DevEnvironment _environment;

    private NodeCluster(DevEnvironment environment, KubernetesClientConfiguration operatorConfiguration)
    {
        _environment = environment;
        OperatorConfiguration = operatorConfiguration;
    }

    /// <summary>Where the tests' image cache lives: one folder per checkout, reused while its sources are unchanged.</summary>
    public static string ImageCache { get; } = Path.Combine(Path.GetTempPath(), "agentoperator-test-images",
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DevModeExamples.Repository.Root)))[..12]);

    public DevClusterServer Server => _environment.Cluster;

    public FakeModelServer Model => _environment.Model;

    public FakeToolServer Tools => _environment.Tools;

    /// <summary>The gateways' Prometheus; throws when the cluster was started without one.</summary>
    public LocalPrometheus Prometheus => _environment.Analysis?.Prometheus ?? throw new InvalidOperationException("the cluster runs no Prometheus");

    /// <summary>Dev mode's stand-ins for the upstreams the workflows and tools in the cluster name; a test may sync them at once.</summary>
    public AgentOperator.DevMode.Upstreams.UpstreamStandIns StandIns => _environment.StandIns;

    /// <summary>The test's own client (admin).</summary>
    public Kubernetes Admin => _environment.Admin;

    /// <summary>The client configuration of an operator under test: config/rbac's ServiceAccount (<see cref="OperatorIdentity"/>).</summary>
    public KubernetesClientConfiguration OperatorConfiguration { get; }

    /// <summary>Starts the environment with <paramref name="options"/> (its node's images and CA are set here) and installs config/rbac.</summary>
    public static async Task<NodeCluster> StartAsync(DevClusterOptions options, LocalPrometheusOptions? prometheus = null)
    {
        var environment = await DevEnvironment.StartAsync(new DevEnvironmentOptions
        {
            RepositoryRoot = DevModeExamples.Repository.Root,
            ImageCache = ImageCache,
            Cluster = options with { Node = options.Node ?? new() },
            Prometheus = prometheus,
        }, new PlainProgressLog(TextWriter.Null, TimeProvider.System), CancellationToken.None);
        try
        {
            return new NodeCluster(environment, await OperatorIdentity.InstallAsync(environment.Cluster.CreateClientConfiguration(), environment.Admin));
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _environment.DisposeAsync();
}
