using System.Collections.Concurrent;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Runtime.Informers;

public sealed class InformerIntegrationTests(DevClusterFixture cluster) : IClassFixture<DevClusterFixture>, IAsyncLifetime, IDisposable
{
    private readonly Kubernetes _client = cluster.CreateClient();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<InformerEvent<V1ConfigMap>> _events = new();
    private readonly RecordingLogger<Informer<V1ConfigMap>> _log = new();
    private string _namespace = "";
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync() => _namespace = await cluster.CreateNamespaceAsync("informer");

    public async Task DisposeAsync()
    {
        cluster.Server.Faults.Reset();
        await _stop.CancelAsync();
        await _running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _stop.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task Informer_ListsInPagesThenWatches_CacheFollowsCreatesUpdatesAndDeletes()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            await CreateAsync(name);
        }

        var informer = Start(pageSize: 2);
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);
        Assert.Equal(["a", "b", "c"], informer.Cache.List().Select(c => c.Metadata.Name).Order());

        await CreateAsync("d");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"k":"changed"}}""", V1Patch.PatchType.MergePatch), "a", _namespace);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("b", _namespace);

        await Eventually.TrueAsync(
            () => Names(informer) == "a,c,d" && informer.Cache.TryGet(new ObjectKey(_namespace, "a"), out var a) && a.Data?["k"] == "changed",
            () => $"cache holds [{Names(informer)}]; events: {Describe()}");
        Assert.Contains(_events, e => e is { Type: InformerEventType.Modified, Old: not null } && e.Object.Metadata.Name == "a");
        Assert.Contains(_events, e => e.Type == InformerEventType.Deleted && e.Object.Metadata.Name == "b");
        Assert.Equal(1, informer.ListCount);
    }

    [Fact]
    public async Task Informer_WatchDropped_ReconnectsFromLastResourceVersionAndCatchesUp()
    {
        await CreateAsync("before");
        var informer = Start();
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);

        // Keep it disconnected while things change, so it must catch up on reconnect.
        await Eventually.TrueAsync(() => informer.IsWatching, "the informer never got a watch event or bookmark");
        cluster.Server.Faults.FailNext("watch", "configmaps", 500, count: 1000);
        Assert.True(cluster.Server.Faults.DropAllWatches() > 0, "there was no watch to drop");
        await CreateAsync("during-1");
        await CreateAsync("during-2");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("before", _namespace);
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.Contains("HTTP 500", StringComparison.Ordinal)), () => $"no reconnect logged: {string.Join(" | ", _log.Lines)}");
        cluster.Server.Faults.Reset();

        await Eventually.TrueAsync(() => Names(informer) == "during-1,during-2", () => $"cache holds [{Names(informer)}]; log: {string.Join(" | ", _log.Lines)}");
        Assert.Equal(1, informer.ListCount); // resumed from its resourceVersion, no re-list
        Assert.Contains(_events, e => e.Type == InformerEventType.Deleted && e.Object.Metadata.Name == "before");
    }

    [Fact]
    public async Task Informer_ResourceVersionExpired_GetsGoneAndRelists_AnnouncingWhatItMissed()
    {
        await CreateAsync("stays");
        await CreateAsync("goes");
        var informer = Start();
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);

        await Eventually.TrueAsync(() => informer.IsWatching, "the informer never got a watch event or bookmark");
        cluster.Server.Faults.FailNext("watch", "configmaps", 500, count: 1000);
        Assert.True(cluster.Server.Faults.DropAllWatches() > 0, "there was no watch to drop");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("goes", _namespace);
        await CreateAsync("new");
        cluster.Server.Faults.ExpireWatchHistory();
        cluster.Server.Faults.Reset();

        await Eventually.TrueAsync(() => informer.ListCount == 2, () => $"no re-list after 410; log: {string.Join(" | ", _log.Lines)}");
        await Eventually.TrueAsync(() => Names(informer) == "new,stays", () => $"cache holds [{Names(informer)}]");
        Assert.Contains(_log.Lines, l => l.Contains("410 Gone", StringComparison.Ordinal));
        Assert.Contains(_events, e => e.Type == InformerEventType.Deleted && e.Object.Metadata.Name == "goes");
        Assert.Contains(_events, e => e.Type == InformerEventType.Added && e.Object.Metadata.Name == "new");
    }

    [Fact]
    public async Task Informer_IdleWatch_AdvancesItsResourceVersionFromBookmarks()
    {
        var informer = Start();
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);
        var listed = long.Parse(informer.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture);

        // A change this informer does not watch (another namespace) moves the server's resourceVersion on.
        var elsewhere = await cluster.CreateNamespaceAsync("elsewhere");
        var other = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, elsewhere);
        var target = long.Parse(other.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture);

        await Eventually.TrueAsync(
            () => long.Parse(informer.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) >= target,
            () => $"resourceVersion stayed at {informer.ResourceVersion} (listed at {listed}, server at {target})");
        Assert.Empty(_events);
    }

    [Fact]
    public async Task Informer_Resync_ReannouncesEveryCachedObject()
    {
        await CreateAsync("a");
        await CreateAsync("b");
        var informer = Start(resync: TimeSpan.FromMilliseconds(300));
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(Eventually.DefaultTimeout);

        await Eventually.TrueAsync(
            () => _events.Count(e => e.Type == InformerEventType.Resync) >= 4,
            () => $"events: {Describe()}");
        Assert.Equal(["a", "b"], _events.Where(e => e.Type == InformerEventType.Resync).Select(e => e.Object.Metadata.Name).Distinct().Order());
    }

    private Informer<V1ConfigMap> Start(int pageSize = 500, TimeSpan? resync = null)
    {
        var options = new InformerOptions
        {
            Namespace = _namespace,
            ListPageSize = pageSize,
            ResyncPeriod = resync ?? TimeSpan.Zero,
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        var informer = new Informer<V1ConfigMap>(new KubernetesListWatchClient<V1ConfigMap>(_client, _namespace, null, pageSize), options, TimeProvider.System, _log);
        informer.AddHandler(_events.Enqueue);
        _running = informer.RunAsync(_stop.Token);
        return informer;
    }

    private Task<V1ConfigMap> CreateAsync(string name) =>
        _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["k"] = "v" } }, _namespace);

    private static string Names(Informer<V1ConfigMap> informer) => string.Join(',', informer.Cache.List().Select(c => c.Metadata.Name).Order());

    private string Describe() => string.Join(", ", _events.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
}
