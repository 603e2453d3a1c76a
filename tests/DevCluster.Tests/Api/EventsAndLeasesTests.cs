using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// Events are one stored object served by two APIs (core/v1 and events.k8s.io/v1, fields renamed), and
/// Leases carry leader election with optimistic concurrency, as controllers use them.
/// </summary>
public sealed class EventsAndLeasesTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly string[] Candidates = ["a", "b"];

    [Fact]
    public async Task An_events_k8s_io_Event_is_readable_as_a_core_Event_with_renamed_fields()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "rolled-back" },
            EventTime = DateTime.UtcNow,
            Regarding = new V1ObjectReference { Kind = "AgentWorkflow", Name = "refunds", NamespaceProperty = ns },
            Reason = "RolledBack",
            Note = "canary breached maxEscalationRate",
            Type = "Warning",
            Action = "Rollback",
            ReportingController = "agentoperator.io/operator",
            ReportingInstance = "operator-0",
        }, ns);

        var core = await cluster.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=refunds,reason=RolledBack");
        var e = Assert.Single(core.Items);
        Assert.Equal("canary breached maxEscalationRate", e.Message);
        Assert.Equal("AgentWorkflow", e.InvolvedObject.Kind);
        Assert.Equal("agentoperator.io/operator", e.ReportingComponent);

        var table = await cluster.Kubectl.SucceedAsync($"get events -n {ns}");
        Assert.Contains("agentworkflow/refunds", table);
        Assert.Contains("RolledBack", table);
    }

    [Fact]
    public async Task Leader_election_on_a_Lease_elects_exactly_one_of_two_candidates()
    {
        var ns = await cluster.CreateNamespaceAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var leaders = new System.Collections.Concurrent.ConcurrentBag<string>();
        var electors = Candidates.Select(id =>
        {
            var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(cluster.Client, ns, "operator-lock", id))
            {
                LeaseDuration = TimeSpan.FromSeconds(3),
                RenewDeadline = TimeSpan.FromSeconds(2),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            });
            elector.OnStartedLeading += () => leaders.Add(id);
            return elector;
        }).ToList();
        var runs = electors.Select(e => e.RunUntilLeadershipLostAsync(cts.Token)).ToList();

        await Eventually.MatchAsync(() => Task.FromResult(leaders.Count), n => n >= 1, "a leader");
        await Task.Delay(1000);
        Assert.Single(leaders);
        var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("operator-lock", ns);
        Assert.Equal(leaders.Single(), lease.Spec.HolderIdentity);

        await cts.CancelAsync();
        foreach (var run in runs)
        {
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }

        foreach (var e in electors)
        {
            e.Dispose();
        }
    }
}
