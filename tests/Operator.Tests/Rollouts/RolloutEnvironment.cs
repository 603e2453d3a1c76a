using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.LiveView;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Traffic;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// Everything the end-to-end rollout tests run on, all real: DevCluster with the dev-mode pod runner (each agent pod runs
/// the real gateway and the sample agent in-process), the agentoperator.io and Gateway API CRDs, and a real Prometheus
/// scraping every running gateway every second. Operators are started per test (<see cref="StartOperatorAsync"/>) so a test
/// can kill one mid-rollout. Each test works in its own namespace. Built with <c>analyseThroughGatewayAggregates</c>, it runs
/// no Prometheus and analysis goes where dev mode sends it without one (<see cref="DevModeAnalysis"/>: the web provider
/// against the gateways' own aggregates).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit releases them through IAsyncLifetime.DisposeAsync.")]
public class RolloutEnvironment : IAsyncLifetime
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _analyseThroughGatewayAggregates;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private DevModeAnalysis? _devModeAnalysis;
    private InProcessCluster? _cluster;
    private LocalPrometheus? _prometheus;
    private Task _targets = Task.CompletedTask;
    private int _namespaces;

    public RolloutEnvironment()
        : this(analyseThroughGatewayAggregates: false)
    {
    }

    protected RolloutEnvironment(bool analyseThroughGatewayAggregates) => _analyseThroughGatewayAggregates = analyseThroughGatewayAggregates;

    public Kubernetes Client => Cluster.Admin;

    internal LocalPrometheus Prometheus => _prometheus ?? throw new InvalidOperationException("the environment has not started");

    internal InProcessCluster Cluster => _cluster ?? throw new InvalidOperationException("the environment has not started");

    /// <summary>Canary analysis of the operators under test: queries go to <see cref="Prometheus"/> (or dev mode's aggregator), whatever address a workflow names.</summary>
    internal AnalysisOptions Analysis => _devModeAnalysis?.Options ?? new() { PrometheusAddressOverride = Prometheus.Address };

    public async Task InitializeAsync()
    {
        _cluster = await InProcessCluster.StartAsync("agentoperator-rollout-tests", new DevClusterOptions
        {
            PodStartDelay = TimeSpan.FromMilliseconds(200),
            WatchBookmarkInterval = TimeSpan.FromMilliseconds(500),
        });
        await AgentOperatorCrds.InstallAsync(Client, CancellationToken.None);
        await GatewayApiCrds.InstallAsync(Client, CancellationToken.None);
        if (_analyseThroughGatewayAggregates)
        {
            var runner = Cluster.Runner;
            _devModeAnalysis = await DevModeAnalysis.StartAsync(() => runner.Gateways, prometheus: null, _http, new PlainProgressLog(TextWriter.Null, TimeProvider.System), TimeProvider.System, CancellationToken.None);
            return;
        }

        _prometheus = await LocalPrometheus.StartAsync(new LocalPrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1) });
        _targets = FollowGatewaysAsync(_stopping.Token);
    }

    /// <summary>Starts an operator on this environment, its canary analysis reading <see cref="Prometheus"/>.</summary>
    internal Task<OperatorInstance> StartOperatorAsync() => OperatorInstance.StartAsync(Cluster.OperatorConfiguration, analysis: Analysis);

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _targets;
        if (_devModeAnalysis is not null)
        {
            await _devModeAnalysis.DisposeAsync();
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _stopping.Dispose();
        _http.Dispose();
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
            var gateways = Cluster.Runner.Gateways.Select(g => g.MetricsAddress).ToHashSet();
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
