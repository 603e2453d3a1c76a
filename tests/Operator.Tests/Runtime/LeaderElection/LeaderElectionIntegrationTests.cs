using System.Diagnostics;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Runtime.LeaderElection;

public sealed class LeaderElectionIntegrationTests(DevClusterFixture cluster) : IClassFixture<DevClusterFixture>, IAsyncLifetime, IDisposable
{
    private readonly Kubernetes _client = cluster.CreateClient();
    private readonly List<OperatorHostHandle> _hosts = [];
    private string _namespace = "";

    public async Task InitializeAsync() => _namespace = await cluster.CreateNamespaceAsync("leader");

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task TwoReplicas_OnlyTheLeaderReconciles_AndTheOtherTakesOverWhenTheLeaderStops()
    {
        var first = await StartAsync("replica-a");
        await Eventually.TrueAsync(() => first.IsLeading, "the only replica never became leader");
        var second = await StartAsync("replica-b");

        await CreateAsync("one");
        await CreateAsync("two");
        await Eventually.TrueAsync(() => first.Reconciler.CallsFor(Key("one")) > 0 && first.Reconciler.CallsFor(Key("two")) > 0, "the leader did not reconcile");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the follower had every chance to reconcile too
        Assert.Empty(second.Reconciler.Calls);
        Assert.False(second.IsLeading);
        Assert.Equal("replica-a", await HolderAsync());

        var stopping = Stopwatch.StartNew();
        await first.StopAsync();
        await Eventually.TrueAsync(() => second.IsLeading, "the follower did not take over");
        var takeover = stopping.Elapsed;

        // The new leader reconciles everything once (the old one may have died mid-reconcile) and then new events.
        await Eventually.TrueAsync(() => second.Reconciler.CallsFor(Key("one")) > 0 && second.Reconciler.CallsFor(Key("two")) > 0, "the new leader did not look at existing objects");
        var firstCalls = first.Reconciler.Calls.Count;
        await CreateAsync("three");
        await Eventually.TrueAsync(() => second.Reconciler.CallsFor(Key("three")) > 0, "the new leader did not reconcile a new object");
        Assert.Equal(firstCalls, first.Reconciler.Calls.Count);
        Assert.Equal("replica-b", await HolderAsync());

        // The stopped leader released the lease, so the follower did not wait for it to expire (5 s).
        Assert.True(takeover < TimeSpan.FromSeconds(3), $"takeover took {takeover.TotalSeconds:F1} s; the lease was not released");
    }

    [Fact]
    public async Task Leader_Stopping_FinishesTheReconcileInFlight_ThenReleasesTheLease()
    {
        var reconciler = new RecordingReconciler<V1ConfigMap> { Hold = TimeSpan.FromSeconds(1) };
        var host = await StartAsync("draining", reconciler);
        await Eventually.TrueAsync(() => host.IsLeading, "the replica never became leader");
        await CreateAsync("slow");
        await Eventually.TrueAsync(() => reconciler.Calls.Count > 0, "the reconcile never started");

        await host.StopAsync();

        Assert.Equal(1, reconciler.Completed);
        Assert.Equal(string.Empty, await HolderAsync());
    }

    private async Task<OperatorHostHandle> StartAsync(string identity, RecordingReconciler<V1ConfigMap>? reconciler = null)
    {
        var host = await OperatorHostHandle.StartAsync(cluster, _namespace, identity, reconciler);
        _hosts.Add(host);
        return host;
    }

    private ObjectKey Key(string name) => new(_namespace, name);

    private Task<V1ConfigMap> CreateAsync(string name) =>
        _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, _namespace);

    private async Task<string?> HolderAsync()
    {
        var election = _hosts[0].Options.LeaderElection;
        return (await _client.CoordinationV1.ReadNamespacedLeaseAsync(election.LeaseName, election.LeaseNamespace)).Spec.HolderIdentity;
    }
}
