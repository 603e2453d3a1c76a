using AgentOperator.DevCluster;
using AgentOperator.DevMode.Pods;
using AgentOperator.SampleAgent;
using Microsoft.Extensions.Logging.Abstractions;
using k8s;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// DevCluster with config/rbac installed and the dev-mode pod runner: each agent pod runs the real gateway and the sample agent in-process, their
/// model and tool calls redirected to a <see cref="FakeModelServer"/> and a <see cref="FakeToolServer"/>. Pod files live
/// in a work directory of its own, deleted on dispose.
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private FakeModelServer? _model;
    private FakeToolServer? _tools;
    private InProcessPodRunner? _runner;
    private DevClusterServer? _server;
    private Kubernetes? _admin;
    private KubernetesClientConfiguration? _operator;

    private InProcessCluster(string workDirectory) => WorkDirectory = workDirectory;

    /// <summary>Where the runner keeps each pod's files (one folder per running pod).</summary>
    public string WorkDirectory { get; }

    public FakeModelServer Model => _model ?? throw NotStarted();

    public FakeToolServer Tools => _tools ?? throw NotStarted();

    public InProcessPodRunner Runner => _runner ?? throw NotStarted();

    public DevClusterServer Server => _server ?? throw NotStarted();

    /// <summary>The test's own client (admin).</summary>
    public Kubernetes Admin => _admin ?? throw NotStarted();

    /// <summary>The client configuration of an operator under test: config/rbac's ServiceAccount (<see cref="OperatorIdentity"/>).</summary>
    public KubernetesClientConfiguration OperatorConfiguration => _operator ?? throw NotStarted();

    /// <summary>
    /// Starts the fakes, the runner and DevCluster (<paramref name="options"/> with the runner as its pod runner); the
    /// work directory is a fresh folder under <c>{temp}/{workDirectoryName}</c>.
    /// </summary>
    public static async Task<InProcessCluster> StartAsync(string workDirectoryName, DevClusterOptions options)
    {
        var cluster = new InProcessCluster(Path.Combine(Path.GetTempPath(), workDirectoryName, Guid.NewGuid().ToString("N")));
        try
        {
            await cluster.StartPartsAsync(options);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }

        if (_tools is not null)
        {
            await _tools.DisposeAsync();
        }

        if (_model is not null)
        {
            await _model.DisposeAsync();
        }

        if (Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }

    private async Task StartPartsAsync(DevClusterOptions options)
    {
        var model = _model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        var tools = _tools = await FakeToolServer.StartAsync(0, 0, CancellationToken.None);
        _runner = new InProcessPodRunner(
            new InProcessPodRunnerOptions { WorkDirectory = WorkDirectory, UpstreamHandlerFactory = () => new FakeUpstreamRedirectHandler(model.BaseUrl, tools.BaseUrl) },
            NullLoggerFactory.Instance);
        _server = await DevClusterServer.StartAsync(options with { PodRunner = _runner });
        _runner.Attach(_server);
        _admin = new Kubernetes(_server.CreateClientConfiguration());
        _operator = await OperatorIdentity.InstallAsync(_server.CreateClientConfiguration(), _admin);
    }

    private static InvalidOperationException NotStarted() => new("the in-process cluster has not started");
}
