using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.Operator.DevMode;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Traffic;
using AgentOperator.SampleAgent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// Everything the end-to-end rollout tests run on, all real: DevCluster with the dev-mode pod runner (each agent pod runs
/// the real gateway and the sample agent in-process), the agentoperator.io and Gateway API CRDs, and a real Prometheus
/// scraping every running gateway every second. Operators are started per test (<see cref="RolloutOperator"/>) so a test
/// can kill one mid-rollout. Each test works in its own namespace.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit releases them through IAsyncLifetime.DisposeAsync.")]
public sealed class RolloutEnvironment : IAsyncLifetime
{
    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "agentoperator-rollout-tests", Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _stopping = new();
    private FakeModelServer? _model;
    private FakeToolServer? _tools;
    private InProcessPodRunner? _runner;
    private DevClusterServer? _cluster;
    private LocalPrometheus? _prometheus;
    private Task _targets = Task.CompletedTask;
    private int _namespaces;

    public Kubernetes Client { get; private set; } = null!;

    internal LocalPrometheus Prometheus => _prometheus ?? throw new InvalidOperationException("the environment has not started");

    internal DevClusterServer Cluster => _cluster ?? throw new InvalidOperationException("the environment has not started");

    internal InProcessPodRunner Runner => _runner ?? throw new InvalidOperationException("the environment has not started");

    public async Task InitializeAsync()
    {
        _model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        _tools = await FakeToolServer.StartAsync(0, 0, CancellationToken.None);
        _runner = new InProcessPodRunner(
            new InProcessPodRunnerOptions { WorkDirectory = _workDirectory, UpstreamHandlerFactory = () => new FakeUpstreamRedirectHandler(_model.BaseUrl, _tools.BaseUrl) },
            NullLoggerFactory.Instance);
        _cluster = await DevClusterServer.StartAsync(new DevClusterOptions
        {
            PodRunner = _runner,
            PodStartDelay = TimeSpan.FromMilliseconds(200),
            WatchBookmarkInterval = TimeSpan.FromMilliseconds(500),
        });
        _runner.Attach(_cluster);
        Client = new Kubernetes(_cluster.CreateClientConfiguration());
        foreach (var file in CrdManifests.Render().Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory, StringComparison.Ordinal)))
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(file.Content));
        }

        await GatewayApiCrds.InstallAsync(Client, CancellationToken.None);
        _prometheus = await LocalPrometheus.StartAsync(new LocalPrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1) });
        _targets = FollowGatewaysAsync(_stopping.Token);
    }

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _targets;
        Client?.Dispose();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
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

        _stopping.Dispose();
        if (Directory.Exists(_workDirectory))
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
    }

    /// <summary>A fresh namespace with the example tools and a placeholder model key Secret.</summary>
    public async Task<string> CreateNamespaceAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"rollout-{Interlocked.Increment(ref _namespaces)}");
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        foreach (var tool in DevModeExamples.Tools())
        {
            tool.Metadata.NamespaceProperty = name;
            tool.Metadata.ResourceVersion = null;
            await Client.CustomObjects.CreateNamespacedCustomObjectAsync(tool, ApiGroup.Group, ApiGroup.Version, name, AgentTool.Plural);
        }

        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "openai-api-key" },
            Data = new Dictionary<string, byte[]> { ["api-key"] = "test-placeholder"u8.ToArray() },
        }, name);
        return name;
    }

    /// <summary>Keeps Prometheus's targets equal to the gateways running right now, as a PodMonitor would.</summary>
    private async Task FollowGatewaysAsync(CancellationToken ct)
    {
        var current = new HashSet<Uri>();
        while (!ct.IsCancellationRequested)
        {
            var gateways = Runner.Gateways.Select(g => g.MetricsAddress).ToHashSet();
            if (!gateways.SetEquals(current))
            {
                await Prometheus.SetTargetsAsync(gateways, CancellationToken.None);
                current = gateways;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
