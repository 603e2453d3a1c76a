using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// One operator in-process, wired as the host wires it, with canary analysis pointed at the environment's Prometheus.
/// Disposing it stops it the way a killed pod stops: nothing is flushed, the next operator starts from status alone.
/// </summary>
internal sealed class RolloutOperator : IAsyncDisposable
{
    private readonly Kubernetes _client;
    private readonly SharedInformerFactory _informers;
    private readonly Controller<Crds.V1Alpha1.AgentWorkflow> _controller;
    private readonly LeaderElectionService _leader;

    private RolloutOperator(Kubernetes client, SharedInformerFactory informers, Controller<Crds.V1Alpha1.AgentWorkflow> controller, LeaderElectionService leader, CollectorRegistry registry)
    {
        _client = client;
        _informers = informers;
        _controller = controller;
        _leader = leader;
        Registry = registry;
    }

    /// <summary>The operator's own metrics registry (agentoperator_*).</summary>
    public CollectorRegistry Registry { get; }

    public static async Task<RolloutOperator> StartAsync(RolloutEnvironment environment)
    {
        var client = new Kubernetes(environment.Cluster.CreateClientConfiguration());
        var loggers = NullLoggerFactory.Instance;
        var informers = new SharedInformerFactory(client, new InformerOptions { ReconnectBaseDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TimeProvider.System, loggers);
        var registry = Metrics.NewCustomRegistry();
        var metrics = new ControllerMetrics(registry);
        var controller = AgentWorkflowController.Create(
            informers, client, new ProvisioningOptions(), new ControllerOptions { MaxConcurrentReconciles = 4, BackoffMax = TimeSpan.FromSeconds(2) },
            metrics, TimeProvider.System, loggers, analysis: new AnalysisOptions { PrometheusAddressOverride = environment.Prometheus.Address });
        var leader = new LeaderElectionService([controller], informers, client, new LeaderElectionOptions(), metrics, NullLogger<LeaderElectionService>.Instance);
        informers.Start();
        await leader.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await informers.WaitForSyncAsync(timeout.Token);
        return new RolloutOperator(client, informers, controller, leader, registry);
    }

    /// <summary>The value of one operator metric series, from the registry's text exposition (0 when absent).</summary>
    public async Task<double> MetricAsync(string series)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _leader.StopAsync(CancellationToken.None);
        await _informers.StopAsync();
        _controller.Dispose();
        _leader.Dispose();
        _client.Dispose();
    }
}
