using System.Collections.Concurrent;
using System.Diagnostics;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace AgentOperator.Operator.Tests.Runtime.Reconciliation;

public sealed class ControllerIntegrationTests(DevClusterFixture cluster) : IClassFixture<DevClusterFixture>, IAsyncLifetime, IDisposable
{
    private readonly Kubernetes _client = cluster.CreateClient();
    private readonly CancellationTokenSource _stop = new();
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly List<IAsyncDisposable> _informers = [];
    private readonly List<Task> _workers = [];
    private string _namespace = "";

    public async Task InitializeAsync() => _namespace = await cluster.CreateNamespaceAsync("controller");

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var informers in _informers)
        {
            await informers.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task Controller_OwnedChildChanges_EnqueueTheirControllingOwnerOnly()
    {
        var reconciler = new RecordingReconciler<AgentTool>();
        await StartAsync(reconciler, (controller, informers) => controller.WatchOwned(informers.GetOrCreate<V1ConfigMap>()));
        var owner = await CreateToolAsync("owner");
        var bystander = await CreateToolAsync("bystander");
        var ownerKey = new ObjectKey(_namespace, "owner");
        var bystanderKey = new ObjectKey(_namespace, "bystander");
        await Eventually.TrueAsync(() => reconciler.CallsFor(ownerKey) > 0 && reconciler.CallsFor(bystanderKey) > 0, "the tools were never reconciled");
        await Eventually.TrueAsync(() => QueueIdle(), "the queue did not settle");
        reconciler.Clear();

        // A reference that is not the controller's, then a controlling one of another owner: events arrive in order,
        // so once the second is reconciled the first had its chance to enqueue (it must not).
        await CreateChildAsync("referenced-only", owner, controller: false);
        await CreateChildAsync("of-bystander", bystander, controller: true);
        await Eventually.TrueAsync(() => reconciler.CallsFor(bystanderKey) > 0, "a controlled child did not enqueue its owner");
        Assert.Equal(0, reconciler.CallsFor(ownerKey));

        await CreateChildAsync("of-owner", owner, controller: true);
        await Eventually.TrueAsync(() => reconciler.CallsFor(ownerKey) == 1, () => $"calls: {string.Join(", ", reconciler.Calls)}");

        await _client.CoreV1.DeleteNamespacedConfigMapAsync("of-owner", _namespace);
        await Eventually.TrueAsync(() => reconciler.CallsFor(ownerKey) == 2, "deleting a controlled child did not enqueue its owner");
    }

    [Fact]
    public async Task Controller_ManyKeys_ReconcilesEveryKeyInParallelUpToTheWorkerCount_NeverOneKeyTwiceAtOnce()
    {
        var reconciler = new RecordingReconciler<V1ConfigMap> { Hold = TimeSpan.FromMilliseconds(150) };
        var names = Enumerable.Range(0, 24).Select(i => $"cm-{i}").ToList();
        foreach (var name in names)
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, _namespace);
        }

        var controller = await StartAsync(reconciler, workers: 4);

        // Change every object while its first reconcile may still run: each must run again, but never overlap.
        foreach (var name in names)
        {
            await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"touched":"yes"}}}""", V1Patch.PatchType.MergePatch), name, _namespace);
        }

        await Eventually.TrueAsync(
            () => names.All(n => reconciler.CallsFor(new ObjectKey(_namespace, n)) >= 1) && QueueIdle(),
            () => $"reconciled {reconciler.Calls.Distinct().Count()} of {names.Count} keys");
        Assert.Equal(4, reconciler.MaxInFlight);
        Assert.Equal(0, reconciler.SameKeyOverlaps);
        Assert.All(names, n => Assert.InRange(reconciler.CallsFor(new ObjectKey(_namespace, n)), 1, 2));
        Assert.Equal(0, controller.Queue.Depth);
    }

    [Fact]
    public async Task Controller_ActsOnResults_FailureRetriesWithBackoff_TerminalStops_RequeueAfterLooksAgain()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ReconcileTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var reconciler = new RecordingReconciler<V1ConfigMap>
        {
            Respond = (key, attempt) => (key.Name, attempt) switch
            {
                ("flaky", 0) => throw new InvalidOperationException("upstream not ready"),
                ("flaky", 1) => ReconcileResult.Failure("still not ready"),
                ("invalid", _) => ReconcileResult.Terminal("spec cannot work"),
                ("periodic", 0) => ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(300)),
                _ => ReconcileResult.Success(),
            },
        };
        foreach (var name in new[] { "flaky", "invalid", "periodic" })
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, _namespace);
        }

        await StartAsync(reconciler);

        var flaky = new ObjectKey(_namespace, "flaky");
        var invalid = new ObjectKey(_namespace, "invalid");
        var periodic = new ObjectKey(_namespace, "periodic");
        await Eventually.TrueAsync(() => reconciler.CallsFor(flaky) == 3 && reconciler.CallsFor(periodic) == 2, () => $"calls: {string.Join(", ", reconciler.Calls)}");
        await Task.Delay(500); // long enough for any wrongful retry of the terminal key (backoff starts at 10 ms)
        Assert.Equal(1, reconciler.CallsFor(invalid));
        Assert.Equal(3, reconciler.CallsFor(flaky));
        Assert.Equal(2, reconciler.CallsFor(periodic));

        var metrics = await ScrapeAsync();
        Assert.Contains("agentoperator_reconcile_total{controller=\"configmap\",result=\"failure\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("agentoperator_reconcile_total{controller=\"configmap\",result=\"terminal\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("agentoperator_reconcile_total{controller=\"configmap\",result=\"requeue_after\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("agentoperator_reconcile_errors_total{controller=\"configmap\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("agentoperator_workqueue_retries_total{controller=\"configmap\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("agentoperator_reconcile_duration_seconds_count{controller=\"configmap\"} 6", metrics, StringComparison.Ordinal);

        var ours = spans.Where(s => (string?)s.GetTagItem("k8s.namespace.name") == _namespace).ToList();
        Assert.Equal(6, ours.Count); // flaky 3, invalid 1, periodic 2
        Assert.All(ours, s => Assert.Equal("reconcile configmap", s.DisplayName));
        Assert.Equal(["failure", "failure", "success"], ours.Where(s => (string?)s.GetTagItem("k8s.object.name") == "flaky").Select(s => (string?)s.GetTagItem("result")));
        Assert.Equal(ActivityStatusCode.Error, ours.First(s => (string?)s.GetTagItem("k8s.object.name") == "invalid").Status);
    }

    private Func<bool> _queueIdle = () => true;

    private bool QueueIdle() => _queueIdle();

    private async Task<Controller<T>> StartAsync<T>(IReconciler<T> reconciler, Action<Controller<T>, SharedInformerFactory>? wire = null, int workers = 2)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var informers = new SharedInformerFactory(_client, new InformerOptions { Namespace = _namespace, ResyncPeriod = TimeSpan.Zero }, TimeProvider.System, NullLoggerFactory.Instance);
        _informers.Add(informers);
        var controller = new Controller<T>(
            ResourceKind.Of<T>().Kind.ToLowerInvariant(),
            informers.GetOrCreate<T>(),
            SpecOrMetadataChangedPredicate<T>.Instance,
            reconciler,
            new ControllerOptions { MaxConcurrentReconciles = workers, BackoffBase = TimeSpan.FromMilliseconds(10) },
            new ControllerMetrics(_registry),
            TimeProvider.System,
            NullLogger<Controller<T>>.Instance);
        wire?.Invoke(controller, informers);
        informers.Start();
        await informers.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);
        _workers.Add(controller.RunWorkersAsync(_stop.Token, _stop.Token));
        _queueIdle = () => controller.Queue.Depth == 0 && controller.Queue.ProcessingCount == 0;
        return controller;
    }

    private async Task<AgentTool> CreateToolAsync(string name)
    {
        var tool = new AgentTool
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _namespace },
            Spec = new AgentToolSpec
            {
                Name = $"tests.{name}",
                Owner = "runtime-tests",
                Description = "A tool that exists only for controller tests.",
                RiskTier = 0,
                Actions = [ToolAction.Read],
                Upstream = new ToolUpstream { Url = "https://tools.example.com/lookup" },
            },
        };
        return await _client.CustomObjects.CreateNamespacedCustomObjectAsync<AgentTool>(tool, ApiGroup.Group, ApiGroup.Version, _namespace, AgentTool.Plural);
    }

    private Task<V1ConfigMap> CreateChildAsync(string name, AgentTool owner, bool controller) =>
        _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                OwnerReferences = [new V1OwnerReference { ApiVersion = ApiGroup.ApiVersion, Kind = AgentTool.KubeKind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, Controller = controller }],
            },
        }, _namespace);

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
