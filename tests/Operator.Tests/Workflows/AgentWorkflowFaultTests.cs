using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>Conflicts and lost watches injected at the API server (cluster-wide, hence a class and cluster of its own).</summary>
public sealed class AgentWorkflowFaultTests(WorkflowClusterFixture cluster) : IClassFixture<WorkflowClusterFixture>
{
    [Fact]
    public async Task ConflictsAndDroppedWatches_Injected_Converges()
    {
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("faults");
        await WorkflowManifests.ApplyToolsAsync(client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());

        var faults = cluster.Server.Faults;
        faults.FailNext("create", "serviceaccounts", 409, count: 2);
        faults.FailNext("create", "deployments", 409, count: 1);
        faults.FailNext("patch", "agentworkflows", 409, count: 2);
        faults.FailNext("update", "agentworkflows", 409, count: 3);
        faults.FailNext("create", "configmaps", 500, count: 1);
        await WorkflowManifests.CreateAsync(client, WorkflowManifests.Workflow(ns, "refunds"));
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(150);
            faults.DropAllWatches();
        }

        faults.ExpireWatchHistory();
        faults.DropAllWatches();
        var ready = await WorkflowScenario.WaitReadyAsync(client, ns, "refunds");
        var children = await WorkflowChildren.ReadAsync(client, ns, "refunds");
        Assert.Equal($"1 ServiceAccounts, 1 Roles, 1 RoleBindings, 1 ConfigMaps, 1 Deployments, 3 Services, 1 NetworkPolicies; revisions [{ready.Status!.StableRevision}]", children.ToString());

        // A spec change while watches keep dropping and patches conflict still lands on exactly one new revision.
        faults.FailNext("patch", "services", 409, count: 2);
        await WorkflowManifests.PatchSpecAsync(client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0"));
        faults.DropAllWatches();
        await Task.Delay(200);
        faults.DropAllWatches();
        var moved = await WorkflowScenario.WaitAsync(client, ns, "refunds", w => WorkflowManifests.IsReady(w) && w.Status!.StableRevision != ready.Status.StableRevision, "a new stable revision");
        await Within.UntilAsync(
            () => WorkflowChildren.ReadAsync(client, ns, "refunds"),
            c => c.ToString() == $"1 ServiceAccounts, 1 Roles, 1 RoleBindings, 1 ConfigMaps, 1 Deployments, 3 Services, 1 NetworkPolicies; revisions [{moved.Status!.StableRevision}]",
            c => c.ToString(),
            "exactly the new revision's children");
        var stable = (await WorkflowChildren.ReadAsync(client, ns, "refunds")).Services.Single(s => s.Metadata.Name == ChildNames.StableService("refunds"));
        Assert.Equal(moved.Status!.StableRevision, stable.Spec.Selector[ChildLabels.Revision]);

        faults.Reset();
        // Converged means the operator's caches too: a watch dropped above may still be reconnecting (backoff up
        // to 1 s here), and its catch-up events trigger reconciles. Settle for longer than that before counting.
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(2));
        op.Requests.Clear();
        op.EnqueueAll();
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(WorkflowScenario.WritesIn(op.Requests, ns));
    }
}
