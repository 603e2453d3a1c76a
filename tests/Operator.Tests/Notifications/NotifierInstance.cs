using System.Globalization;
using System.Text;
using AgentOperator.Operator.Notifications;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>
/// The operator's notifier as the host wires it (<see cref="NotificationRegistration.Create"/> on shared informers, run by
/// the leader election service), as config/rbac's ServiceAccount; its log lines and metrics are kept for the tests.
/// </summary>
internal sealed class NotifierInstance : IAsyncDisposable
{
    private readonly Kubernetes _client;
    private readonly SharedInformerFactory _informers;
    private readonly NotificationDispatcher _dispatcher;
    private readonly LeaderElectionService _leader;

    private NotifierInstance(Kubernetes client, SharedInformerFactory informers, NotificationDispatcher dispatcher, LeaderElectionService leader, RecordingLoggerFactory logs, CollectorRegistry registry)
    {
        _client = client;
        _informers = informers;
        _dispatcher = dispatcher;
        _leader = leader;
        Logs = logs;
        Registry = registry;
    }

    public RecordingLoggerFactory Logs { get; }

    public CollectorRegistry Registry { get; }

    public static async Task<NotifierInstance> StartAsync(KubernetesClientConfiguration configuration, NotificationOptions options)
    {
        var client = new Kubernetes(configuration);
        await OperatorIdentity.AssertIsOperatorAsync(configuration, client);
        var logs = new RecordingLoggerFactory();
        var informers = new SharedInformerFactory(client, new InformerOptions { ReconnectBaseDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TimeProvider.System, logs);
        var registry = Metrics.NewCustomRegistry();
        var metrics = new ControllerMetrics(registry);
        var dispatcher = NotificationRegistration.Create(informers, client, options, metrics, TimeProvider.System, logs);
        var leader = new LeaderElectionService([dispatcher], informers, client, new LeaderElectionOptions(), metrics, NullLogger<LeaderElectionService>.Instance);
        informers.Start();
        await leader.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await informers.WaitForSyncAsync(timeout.Token);
        await Eventually.TrueAsync(() => leader.IsLeading, "the notifier to start its workers");
        return new NotifierInstance(client, informers, dispatcher, leader, logs, registry);
    }

    /// <summary>The metrics text exposition.</summary>
    public async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The value of one series (0 when absent), e.g. <c>agentoperator_notification_attempts_total{namespace="x",webhook="y",result="timeout"}</c>.</summary>
    public async Task<double> MetricAsync(string series)
    {
        var line = (await MetricsTextAsync()).Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _leader.StopAsync(CancellationToken.None);
        await _informers.StopAsync();
        _dispatcher.Dispose();
        _leader.Dispose();
        _client.Dispose();
    }
}
