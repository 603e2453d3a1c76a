using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// The AgentWorkflow reconciler end to end against DevCluster: one cluster per class, one namespace and one operator per test.
/// The lifecycle scenarios are shared with the K3s suite (<see cref="WorkflowLifecycleScenarios"/>).
/// </summary>
public sealed class AgentWorkflowReconcilerTests(WorkflowClusterFixture cluster, ITestOutputHelper output) : IClassFixture<WorkflowClusterFixture>
{
    private Kubernetes Client => cluster.Client;

    private WorkflowLifecycleScenarios Scenarios => new(cluster);

    [Fact]
    public Task Create_WorkflowWithTools_BecomesReadyWithEveryChildCorrect() => Scenarios.CreateBecomesReadyWithEveryChildCorrectAsync();

    [Fact]
    public Task SpecChange_NewRevision_OldChildrenRemovedOnlyAfterTheNewIsAvailable() => Scenarios.SpecChangeMakesANewRevisionAndRetiresTheOldOnlyOnceTheNewIsAvailableAsync();

    [Fact]
    public Task InvalidPolicy_PolicyValidFalseWithEveryError_RunningRevisionUntouched() => Scenarios.InvalidPolicySetsPolicyValidFalseWithEveryErrorAndLeavesTheRunningRevisionAsync();

    [Fact]
    public Task Delete_Workflow_RemovesEveryChildThenTheFinalizer() => Scenarios.DeleteRemovesEveryChildThenTheFinalizerAsync();

    [Fact]
    public async Task Restart_SteadyState_NoDuplicatesAndZeroWrites()
    {
        var ns = await cluster.CreateNamespaceAsync("restart");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        var names = new[] { "refunds", "triage", "returns" };
        await using (var first = await OperatorInstance.StartAsync(cluster.Configuration()))
        {
            foreach (var name in names)
            {
                await WorkflowManifests.CreateAsync(Client, WorkflowManifests.Workflow(ns, name));
            }

            foreach (var name in names)
            {
                await WorkflowScenario.WaitReadyAsync(Client, ns, name);
            }

            await first.WaitForIdleAsync(TimeSpan.FromSeconds(1));
        }

        var before = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var name in names)
        {
            before[name] = (await WorkflowChildren.ReadAsync(Client, ns, name)).Versions();
        }

        var workflowsBefore = await Task.WhenAll(names.Select(n => WorkflowManifests.GetAsync(Client, ns, n)));

        await using var second = await OperatorInstance.StartAsync(cluster.Configuration());
        await Within.TrueAsync(() => Task.FromResult(second.Reconciles.Finished >= names.Length), () => $"only {second.Reconciles.Finished} reconciles after the restart");
        second.EnqueueAll(); // and once more, as a resync would
        await second.WaitForIdleAsync(TimeSpan.FromSeconds(1.5));

        Assert.Equal(0, second.Reconciles.Failed);
        Assert.Empty(WorkflowScenario.WritesIn(second.Requests, ns));
        foreach (var (name, index) in names.Select((n, i) => (n, i)))
        {
            var children = await WorkflowChildren.ReadAsync(Client, ns, name);
            Assert.Equal(before[name], children.Versions());
            Assert.Equal(workflowsBefore[index].Metadata.ResourceVersion, (await WorkflowManifests.GetAsync(Client, ns, name)).Metadata.ResourceVersion);
        }

        output.WriteLine($"after restart: {second.Reconciles.Finished} reconciles, {second.Requests.Count} requests (lists and watches), {second.Requests.Writes.Count} writes");
    }

    [Fact]
    public async Task KillSwitch_RewritesTheBundleInPlace_SameRevisionNoPodRestart()
    {
        var ns = await cluster.CreateNamespaceAsync("kill");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var revision = ready.Status!.StableRevision!;
        var name = ChildNames.RevisionObject("refunds", revision);
        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);

        var clock = Stopwatch.StartNew();
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", WorkflowManifests.Spec() with { KillSwitch = true });
        var configMap = await Within.UntilAsync(
            () => Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns),
            c => JsonNode.Parse(c.Data[BundleConfigMapBuilder.BundleKey])!["killSwitch"]!.GetValue<bool>(),
            c => c.Data[BundleConfigMapBuilder.BundleKey],
            "the bundle ConfigMap with killSwitch true");
        clock.Stop();
        output.WriteLine($"kill switch: spec applied -> bundle ConfigMap updated in {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(BundleConfigMapBuilder.BundleSha256(configMap.Data[BundleConfigMapBuilder.BundleKey]), configMap.Metadata.Annotations[ChildLabels.BundleSha256Annotation]);
        var after = await WorkflowScenario.WaitReadyAsync(Client, ns, "refunds");
        Assert.Equal(revision, after.Status!.StableRevision);
        var deploymentAfter = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        Assert.Equal(deployment.Metadata.Generation, deploymentAfter.Metadata.Generation);
        Assert.Equal(KubernetesJson.Serialize(deployment.Spec.Template), KubernetesJson.Serialize(deploymentAfter.Spec.Template));
        Assert.Equal(revision, Assert.Single((await WorkflowChildren.ReadAsync(Client, ns, "refunds")).Revisions));
        Assert.Contains(WorkflowReasons.KillSwitchEngaged, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));
    }

    [Fact]
    public async Task Revocation_RecreatesTheServiceAccount_OldTokenFailsTokenReview()
    {
        var ns = await cluster.CreateNamespaceAsync("revoke");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var name = ChildNames.RevisionObject("refunds", ready.Status!.StableRevision!);
        var oldAccount = await Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns);
        var token = (await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 600 } }, name, ns)).Status.Token;
        Assert.True(await AuthenticatesAsync(token), "the token should validate before revocation");

        await WorkflowManifests.AnnotateAsync(Client, ns, "refunds", WorkflowAnnotations.RevokeCredentials, "incident-4711");
        var revoked = await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => w.Status?.LastRevocation?.RequestId == "incident-4711", "status.lastRevocation incident-4711");

        var newAccount = await Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns);
        Assert.NotEqual(oldAccount.Metadata.Uid, newAccount.Metadata.Uid);
        Assert.False(newAccount.AutomountServiceAccountToken);
        Assert.False(await AuthenticatesAsync(token), "the old token still validates after revocation");
        var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
        Assert.Equal("incident-4711", deployment.Spec.Template.Metadata.Annotations[WorkflowAnnotations.CredentialsRevision]);
        var events = await WorkflowScenario.EventsAsync(Client, ns, "refunds");
        var revokedEvent = Assert.Single(events, e => e.Reason == WorkflowReasons.CredentialsRevoked);
        Assert.DoesNotContain(token, revokedEvent.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, KubernetesJson.Serialize(revoked.Status), StringComparison.Ordinal);

        // Handled once: later reconciles leave the new identity alone, and the rolled pods make it Ready again.
        await WorkflowScenario.WaitReadyAsync(Client, ns, "refunds");
        op.EnqueueAll();
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(newAccount.Metadata.Uid, (await Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns)).Metadata.Uid);
    }

    [Fact]
    public async Task Suspend_WritesOnlyStatus_ResumeRollsOut()
    {
        var ns = await cluster.CreateNamespaceAsync("suspend");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var before = (await WorkflowChildren.ReadAsync(Client, ns, "refunds")).Versions();
        op.Requests.Clear();

        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:3.0.0") with { Suspend = true });
        await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => w.Status?.Phase == WorkflowPhases.Suspended && w.Status.ObservedGeneration == w.Metadata.Generation, "phase Suspended");
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(before, (await WorkflowChildren.ReadAsync(Client, ns, "refunds")).Versions());
        Assert.All(WorkflowScenario.WritesIn(op.Requests, ns), w => Assert.True(w.EndsWith("/status", StringComparison.Ordinal) || w.Contains("/events", StringComparison.Ordinal), $"a write other than status while suspended: {w}"));

        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:3.0.0"));
        var resumed = await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => WorkflowManifests.IsReady(w) && w.Status!.StableRevision != ready.Status!.StableRevision, "a new stable revision after resuming");
        Assert.NotNull(resumed.Status!.StableRevision);
    }

    private async Task<bool> AuthenticatesAsync(string token)
    {
        var review = await Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } });
        return review.Status?.Authenticated == true;
    }
}
