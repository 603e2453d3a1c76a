using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>Two operator replicas on one cluster: the runtime's Lease decides which one reconciles.</summary>
public sealed class AgentWorkflowLeaderElectionTests(WorkflowClusterFixture cluster) : IClassFixture<WorkflowClusterFixture>
{
    [Fact]
    public async Task TwoReplicas_OnlyTheLeaderWrites_FollowerTakesOverWhenItStops()
    {
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("leader");
        await WorkflowManifests.ApplyToolsAsync(client, ns);
        // The Lease lives where config/rbac's leader-election Role lets the operator hold one: its own namespace.
        var leaseNamespace = await OperatorIdentity.NamespaceAsync();
        LeaderElectionOptions Election(string identity) => new()
        {
            Enabled = true,
            LeaseNamespace = leaseNamespace,
            LeaseName = $"agent-operator-leader-{ns}",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        var a = await OperatorInstance.StartAsync(cluster.Configuration(), Election("replica-a"));
        await using var b = await OperatorInstance.StartAsync(cluster.Configuration(), Election("replica-b"));
        try
        {
            await Within.TrueAsync(() => Task.FromResult(a.IsLeading || b.IsLeading), () => "no replica became leader");
            var (leader, follower) = a.IsLeading ? (a, b) : (b, a);
            Assert.False(follower.IsLeading);

            var ready = await WorkflowScenario.CreateReadyAsync(client, ns, "refunds");
            await leader.WaitForIdleAsync(TimeSpan.FromSeconds(1));
            Assert.NotEmpty(WorkflowScenario.WritesIn(leader.Requests, ns));
            Assert.Empty(WorkflowScenario.WritesIn(follower.Requests, ns));
            Assert.Equal(0, follower.Reconciles.Finished);

            // The leader shuts down (releasing the Lease); the follower takes over and rolls out the next change.
            if (leader == a)
            {
                await a.DisposeAsync();
            }
            else
            {
                await b.DisposeAsync();
            }

            await Within.TrueAsync(() => Task.FromResult(follower.IsLeading), () => "the follower did not take over");
            await WorkflowManifests.PatchSpecAsync(client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0"));
            await WorkflowScenario.WaitAsync(client, ns, "refunds", w => WorkflowManifests.IsReady(w) && w.Status!.StableRevision != ready.Status!.StableRevision, "the new leader rolls out a new revision");
            Assert.NotEmpty(WorkflowScenario.WritesIn(follower.Requests, ns));
        }
        finally
        {
            await a.DisposeAsync();
        }
    }
}
