using System.Globalization;
using System.Text;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Approvals;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using AgentOperator.TestSupport;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// One operator replica in-process: its own client (with an <see cref="ApiRequestLog"/>), shared informers, the
/// AgentWorkflow and AgentApproval controllers and the runtime's leader election service, wired as the host wires them. Disposing it is
/// an operator shutdown the way a killed pod stops: nothing is flushed, the next operator starts from status alone.
/// </summary>
internal sealed class OperatorInstance : IAsyncDisposable
{
    private readonly Kubernetes _client;
    private readonly SharedInformerFactory _informers;
    private readonly Controller<Crds.V1Alpha1.AgentWorkflow> _controller;
    private readonly Controller<Crds.V1Alpha1.AgentApproval> _approvals;
    private readonly LeaderElectionService _leader;

    private OperatorInstance(
        Kubernetes client, SharedInformerFactory informers, Controller<Crds.V1Alpha1.AgentWorkflow> controller, Controller<Crds.V1Alpha1.AgentApproval> approvals,
        LeaderElectionService leader, ApiRequestLog requests, CountingReconciler reconciles, CollectorRegistry registry)
    {
        _client = client;
        _informers = informers;
        _controller = controller;
        _approvals = approvals;
        _leader = leader;
        Requests = requests;
        Reconciles = reconciles;
        Registry = registry;
    }

    public ApiRequestLog Requests { get; }

    public CountingReconciler Reconciles { get; }

    /// <summary>The operator's own metrics registry (agentoperator_*).</summary>
    public CollectorRegistry Registry { get; }

    public bool IsLeading => _leader.IsLeading;

    public int QueueLength => _controller.Queue.Depth + _controller.Queue.ProcessingCount;

    /// <summary>
    /// Starts an operator on <paramref name="configuration"/>, which must be config/rbac's ServiceAccount
    /// (<see cref="OperatorIdentity"/>; the start fails for any other identity); <paramref name="analysis"/> is the host's canary analysis
    /// options (null: the defaults), e.g. a Prometheus address override for a Prometheus outside the cluster.
    /// </summary>
    public static async Task<OperatorInstance> StartAsync(
        KubernetesClientConfiguration configuration, LeaderElectionOptions? leaderElection = null, ProvisioningOptions? provisioning = null, AnalysisOptions? analysis = null)
    {
        var requests = new ApiRequestLog();
        var client = new Kubernetes(configuration, requests);
        await OperatorIdentity.AssertIsOperatorAsync(configuration, client);
        var loggers = NullLoggerFactory.Instance;
        var informers = new SharedInformerFactory(client, new InformerOptions { ReconnectBaseDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TimeProvider.System, loggers);
        var registry = Metrics.NewCustomRegistry();
        var metrics = new ControllerMetrics(registry);
        CountingReconciler? counting = null;
        var controller = AgentWorkflowController.Create(
            informers, client, provisioning ?? new ProvisioningOptions(), new ControllerOptions { MaxConcurrentReconciles = 4, BackoffMax = TimeSpan.FromSeconds(2) },
            metrics, TimeProvider.System, loggers, inner => counting = new CountingReconciler(inner), analysis);
        var approvals = AgentApprovalController.Create(
            informers, client, new ControllerOptions { MaxConcurrentReconciles = 2, BackoffMax = TimeSpan.FromSeconds(2) }, metrics, TimeProvider.System, loggers);
        var leader = new LeaderElectionService([controller, approvals], informers, client, leaderElection ?? new LeaderElectionOptions(), metrics, NullLogger<LeaderElectionService>.Instance);
        informers.Start();
        await leader.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await informers.WaitForSyncAsync(timeout.Token);
        return new OperatorInstance(client, informers, controller, approvals, leader, requests, counting!, registry);
    }

    /// <summary>Puts every cached workflow in the queue, as a resync or a new leadership term does.</summary>
    public void EnqueueAll() => _controller.EnqueueAll();

    /// <summary>The value of one operator metric series, from the registry's text exposition (0 when absent).</summary>
    public async Task<double> MetricAsync(string series)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until <paramref name="series"/> reads <paramref name="expected"/>: counters the reconciler bumps after its
    /// status write (a rollback is counted only once it is recorded) may trail the status a test just saw.
    /// </summary>
    public async Task MetricReachesAsync(string series, double expected, TimeSpan? timeout = null)
    {
        var last = 0.0;
        await Eventually.TrueAsync(async () => (last = await MetricAsync(series)) == expected, $"{series} to read {expected}", timeout ?? TimeSpan.FromSeconds(10));
        Assert.Equal(expected, last);
    }

    /// <summary>Waits until the queue is empty and no reconcile has finished for <paramref name="quiet"/>.</summary>
    public async Task WaitForIdleAsync(TimeSpan quiet, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var last = Reconciles.Finished;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow - since < quiet)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the operator did not settle: {Reconciles.Finished} reconciles, queue {QueueLength}, last failure {Reconciles.LastFailure}");
            await Task.Delay(50);
            if (Reconciles.Finished != last || QueueLength > 0)
            {
                last = Reconciles.Finished;
                since = DateTime.UtcNow;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _leader.StopAsync(CancellationToken.None);
        await _informers.StopAsync();
        _controller.Dispose();
        _approvals.Dispose();
        _leader.Dispose();
        _client.Dispose();
    }
}
