using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// <c>spec.killSwitch</c> reaches the running revision's bundle ConfigMap (the one its gateways watch) whatever else
/// the new spec says: suspended or not, valid or not, switched on or off. Each case starts from a Ready workflow with
/// the opposite switch, then applies the new spec in one write, as <c>kubectl apply</c> would.
/// </summary>
public sealed class KillSwitchTests(WorkflowClusterFixture cluster, ITestOutputHelper output) : IClassFixture<WorkflowClusterFixture>
{
    private Kubernetes Client => cluster.Client;

    [Theory]
    [InlineData(false, true, true)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    [InlineData(false, false, false)]
    [InlineData(true, true, true)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    [InlineData(true, false, false)]
    public async Task KillSwitch_ReachesTheRunningBundle_WhateverSuspendAndValidity(bool suspended, bool valid, bool killSwitch)
    {
        var ns = await cluster.CreateNamespaceAsync($"kill-{(suspended ? "s" : "r")}{(valid ? "v" : "i")}{(killSwitch ? "on" : "off")}");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", WorkflowManifests.Spec() with { KillSwitch = !killSwitch });
        var revision = ready.Status!.StableRevision!;
        var name = ChildNames.RevisionObject("refunds", revision);
        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        Assert.Equal(!killSwitch, KillSwitchOf(await Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns)));

        var spec = (valid ? WorkflowManifests.Spec() : Invalid(WorkflowManifests.Spec())) with { Suspend = suspended, KillSwitch = killSwitch };
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", spec);

        var configMap = await Within.UntilAsync(
            () => Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns),
            c => KillSwitchOf(c) == killSwitch,
            c => c.Data[BundleConfigMapBuilder.BundleKey],
            $"the bundle of revision {revision} with killSwitch {killSwitch}");
        Assert.Equal(BundleConfigMapBuilder.BundleSha256(configMap.Data[BundleConfigMapBuilder.BundleKey]), configMap.Metadata.Annotations[ChildLabels.BundleSha256Annotation]);

        // The rest of the spec is honoured as before: suspended writes only status, an invalid spec is reported.
        var expectedPhase = suspended ? WorkflowPhases.Suspended : valid ? WorkflowPhases.Ready : WorkflowPhases.Invalid;
        var after = await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => w.Status?.ObservedGeneration == w.Metadata.Generation && w.Status?.Phase == expectedPhase, $"phase {expectedPhase}");
        Assert.Equal(revision, after.Status!.StableRevision);
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));

        var children = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        Assert.Equal(revision, Assert.Single(children.Revisions));
        Assert.All(children.ConfigMaps, c => Assert.Equal(killSwitch, KillSwitchOf(c)));
        var deploymentAfter = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        Assert.Equal(deployment.Metadata.Generation, deploymentAfter.Metadata.Generation); // no pod restart
        var reasons = await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds");
        Assert.Single(reasons, r => r == (killSwitch ? WorkflowReasons.KillSwitchEngaged : WorkflowReasons.KillSwitchReleased));
        output.WriteLine($"suspended {suspended}, valid {valid}, killSwitch {killSwitch}: phase {after.Status.Phase}, events [{string.Join(", ", reasons)}]");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KillSwitch_MidCanary_ReachesTheStableAndTheCanaryBundle(bool valid)
    {
        var ns = await cluster.CreateNamespaceAsync($"kill-canary-{(valid ? "v" : "i")}");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var rollout = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 3600 }] };
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", WorkflowManifests.Spec() with { Rollout = rollout });
        var next = WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0") with { Rollout = rollout };
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", next);
        var canary = await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => w.Status?.CanaryRevision is not null, "a canary revision held at its first step");
        var revisions = new[] { ready.Status!.StableRevision!, canary.Status!.CanaryRevision! };

        // Suspended, the new spec valid or not: both live revisions' gateways must deny writes.
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", (valid ? next : Invalid(next)) with { Suspend = true, KillSwitch = true });
        foreach (var revision in revisions)
        {
            var name = ChildNames.RevisionObject("refunds", revision);
            var configMap = await Within.UntilAsync(
                () => Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns),
                c => KillSwitchOf(c),
                c => c.Data[BundleConfigMapBuilder.BundleKey],
                $"the bundle of revision {revision} with killSwitch true");
            Assert.Equal(BundleConfigMapBuilder.BundleSha256(configMap.Data[BundleConfigMapBuilder.BundleKey]), configMap.Metadata.Annotations[ChildLabels.BundleSha256Annotation]);
        }

        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));
        var reasons = await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds");
        Assert.Equal(2, reasons.Count(r => r == WorkflowReasons.KillSwitchEngaged));
        Assert.Equal(revisions.Order(StringComparer.Ordinal), (await WorkflowChildren.ReadAsync(Client, ns, "refunds")).Revisions.Order(StringComparer.Ordinal));
    }

    /// <summary>A tool binding no AgentTool in the namespace declares: the compiler refuses the spec.</summary>
    private static AgentWorkflowSpec Invalid(AgentWorkflowSpec spec) => spec with
    {
        Tools = [.. spec.Tools, new() { Name = "crm.erase_customer", Actions = [ToolAction.Delete] }],
    };

    private static bool KillSwitchOf(V1ConfigMap configMap) =>
        JsonNode.Parse(configMap.Data[BundleConfigMapBuilder.BundleKey])!["killSwitch"]?.GetValue<bool>() ?? false;
}
