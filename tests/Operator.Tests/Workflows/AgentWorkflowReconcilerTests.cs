using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>The AgentWorkflow reconciler end to end against DevCluster: one cluster per class, one namespace and one operator per test.</summary>
public sealed class AgentWorkflowReconcilerTests(WorkflowClusterFixture cluster, ITestOutputHelper output) : IClassFixture<WorkflowClusterFixture>
{
    private Kubernetes Client => cluster.Client;

    [Fact]
    public async Task Create_WorkflowWithTools_BecomesReadyWithEveryChildCorrect()
    {
        var ns = await cluster.CreateNamespaceAsync("create");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());

        var before = DateTimeOffset.UtcNow;
        var workflow = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");

        var revision = workflow.Status!.StableRevision!;
        Assert.Equal(10, revision.Length);
        Assert.Contains(WorkflowAnnotations.CleanupFinalizer, workflow.Metadata.Finalizers ?? []);
        foreach (var type in new[] { ConditionTypes.Ready, ConditionTypes.PolicyValid, ConditionTypes.CredentialsReady })
        {
            Assert.Equal(ConditionStatus.True, WorkflowManifests.Condition(workflow, type)?.Status);
        }

        Assert.Equal(ConditionStatus.False, WorkflowManifests.Condition(workflow, ConditionTypes.Progressing)?.Status);
        Assert.Equal(ConditionStatus.False, WorkflowManifests.Condition(workflow, ConditionTypes.Degraded)?.Status);
        Assert.All(workflow.Status.Conditions!, c => Assert.Equal(workflow.Metadata.Generation, c.ObservedGeneration));
        // An upper bound on token expiry: at most one TTL (900 s) past the end of the current 720 s window.
        Assert.InRange(workflow.Status.CredentialsExpireAt!.Value, before.AddSeconds(900), before.AddSeconds(900 + 720 + 5));

        var children = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        var name = ChildNames.RevisionObject("refunds", revision);
        Assert.Equal("1 ServiceAccounts, 1 Roles, 1 RoleBindings, 1 ConfigMaps, 1 Deployments, 3 Services, 1 NetworkPolicies", children.ToString().Split(';')[0]);
        var everything = children.ServiceAccounts.Select(o => o.Metadata).Concat(children.Roles.Select(o => o.Metadata)).Concat(children.RoleBindings.Select(o => o.Metadata))
            .Concat(children.ConfigMaps.Select(o => o.Metadata)).Concat(children.Deployments.Select(o => o.Metadata)).Concat(children.Services.Select(o => o.Metadata))
            .Concat(children.NetworkPolicies.Select(o => o.Metadata));
        Assert.All(everything, m => Assert.Equal(workflow.Metadata.Uid, Assert.Single(m.OwnerReferences, o => o.Controller == true).Uid));

        var serviceAccount = Assert.Single(children.ServiceAccounts);
        Assert.Equal(name, serviceAccount.Metadata.Name);
        Assert.False(serviceAccount.AutomountServiceAccountToken);

        var role = Assert.Single(children.Roles);
        var bundleRule = Assert.Single(role.Rules, r => r.Resources.Contains("configmaps"));
        Assert.Equal([name], bundleRule.ResourceNames);
        Assert.Equal(["get", "list", "watch"], bundleRule.Verbs);
        Assert.Contains(role.Rules, r => r.Resources.Contains(AgentApproval.Plural)); // approve autonomy with a write tool
        var binding = Assert.Single(children.RoleBindings);
        Assert.Equal(name, binding.RoleRef.Name);
        Assert.Equal(name, Assert.Single(binding.Subjects).Name);

        var configMap = Assert.Single(children.ConfigMaps);
        var json = configMap.Data[BundleConfigMapBuilder.BundleKey];
        Assert.Equal(BundleConfigMapBuilder.BundleSha256(json), configMap.Metadata.Annotations[ChildLabels.BundleSha256Annotation]);
        var bundle = JsonNode.Parse(json)!;
        Assert.Equal(revision, bundle["revision"]!.GetValue<string>());
        Assert.False(bundle["killSwitch"]!.GetValue<bool>());
        Assert.Equal(2, bundle["tools"]!.AsArray().Count);

        var deployment = Assert.Single(children.Deployments);
        var pod = deployment.Spec.Template.Spec;
        Assert.Equal(name, pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Equal(["agent", "gateway"], pod.Containers.Select(c => c.Name));
        Assert.Equal("ghcr.io/example/refund-agent:1.0.0", pod.Containers[0].Image);
        Assert.DoesNotContain(pod.Containers[0].VolumeMounts, m => m.MountPath.StartsWith("/var/run", StringComparison.Ordinal));
        Assert.Contains(pod.Volumes, v => v.Projected?.Sources.Any(s => s.ServiceAccountToken?.ExpirationSeconds == 900) == true);
        Assert.Equal(1, deployment.Status?.AvailableReplicas);

        Assert.Equal([ChildNames.WorkflowService("refunds"), ChildNames.CanaryService("refunds"), ChildNames.StableService("refunds")], children.Services.Select(s => s.Metadata.Name).Order());
        Assert.Equal(ChildNames.LabelValue(revision), children.Services.Single(s => s.Metadata.Name == ChildNames.StableService("refunds")).Spec.Selector[ChildLabels.Revision]);
        Assert.Equal(name, Assert.Single(children.NetworkPolicies).Metadata.Name);

        var reasons = await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds");
        Assert.Contains(WorkflowReasons.RevisionCreated, reasons);
        Assert.Contains(WorkflowReasons.RevisionPromoted, reasons);
        Assert.Contains(WorkflowReasons.Ready, reasons);
    }

    [Fact]
    public async Task SpecChange_NewRevision_OldChildrenRemovedOnlyAfterTheNewIsAvailable()
    {
        var ns = await cluster.CreateNamespaceAsync("change");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var first = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var oldRevision = first.Status!.StableRevision!;
        var oldName = ChildNames.RevisionObject("refunds", oldRevision);

        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0"));

        // Watch the transition closely: the old Deployment may only disappear once the new one is Available.
        var sawBoth = false;
        var watch = Stopwatch.StartNew();
        AgentWorkflow current;
        while (true)
        {
            var deployments = (await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items;
            var old = deployments.FirstOrDefault(d => d.Metadata.Name == oldName);
            var fresh = deployments.Where(d => d.Metadata.Name != oldName).ToList();
            sawBoth |= old is not null && fresh.Count == 1;
            if (old is null)
            {
                var replacement = Assert.Single(fresh);
                Assert.True(DeploymentAvailability.Of(replacement).Available, $"the old Deployment was deleted before the new one was Available: {KubernetesJson.Serialize(replacement.Status)}");
            }

            current = await WorkflowManifests.GetAsync(Client, ns, "refunds");
            if (WorkflowManifests.IsReady(current) && current.Status!.StableRevision != oldRevision && old is null)
            {
                break;
            }

            Assert.True(watch.Elapsed < Within.Default, $"no new stable revision: {WorkflowManifests.Describe(current)}");
            await Task.Delay(10);
        }

        Assert.True(sawBoth, "the new revision never ran next to the old one");
        var newRevision = current.Status!.StableRevision!;
        var children = await Within.UntilAsync(() => WorkflowChildren.ReadAsync(Client, ns, "refunds"), c => c.Revisions.SetEquals([newRevision]), c => c.ToString(), $"only revision {newRevision} left");
        Assert.Single(children.ServiceAccounts);
        Assert.Single(children.Roles);
        Assert.Single(children.RoleBindings);
        Assert.Single(children.ConfigMaps);
        Assert.Single(children.NetworkPolicies);
        Assert.Equal("ghcr.io/example/refund-agent:2.0.0", Assert.Single(children.Deployments).Spec.Template.Spec.Containers[0].Image);
        Assert.Contains(current.Status.History!, h => h.Revision == newRevision && h.Outcome == RevisionOutcome.Promoted);
        Assert.Contains(WorkflowReasons.RevisionRetired, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));
    }

    [Fact]
    public async Task InvalidPolicy_PolicyValidFalseWithEveryError_RunningRevisionUntouched()
    {
        var ns = await cluster.CreateNamespaceAsync("invalid");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var before = await WorkflowChildren.ReadAsync(Client, ns, "refunds");

        var valid = WorkflowManifests.Spec();
        var invalid = valid with
        {
            Tools =
            [
                new() { Name = WorkflowManifests.LookupOrder, Actions = [ToolAction.Read, ToolAction.Delete] },
                new() { Name = WorkflowManifests.IssueRefund, Actions = [ToolAction.Create] },
                new() { Name = "crm.erase_customer", Actions = [ToolAction.Delete] },
            ],
            Policy = new PolicySpec
            {
                Rules =
                [
                    new() { Id = "small-refunds", Tool = WorkflowManifests.IssueRefund, Condition = "input.amount_usd <= 50.0", OnFail = RuleAction.Escalate },
                    new() { Id = "broken", Condition = "input.amount_usd <= ", OnFail = RuleAction.Deny },
                    new() { Id = "verified", Condition = "models.verifier.maxTokensPerCall > 0", OnFail = RuleAction.Deny },
                ],
            },
        };
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", invalid);
        var rejected = await WorkflowScenario.WaitAsync(Client, ns, "refunds",
            w => w.Status?.ObservedGeneration == w.Metadata.Generation && WorkflowManifests.Condition(w, ConditionTypes.PolicyValid)?.Status == ConditionStatus.False,
            "PolicyValid=False for the new generation");
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));

        var policy = WorkflowManifests.Condition(rejected, ConditionTypes.PolicyValid)!;
        Assert.Equal(WorkflowReasons.PolicyInvalid, policy.Reason);
        Assert.Contains("spec.tools[0].actions[1]: AgentTool 'crm.lookup_order' does not allow the action 'delete'", policy.Message, StringComparison.Ordinal);
        Assert.Contains("spec.tools[2].name: no AgentTool with spec.name 'crm.erase_customer'", policy.Message, StringComparison.Ordinal);
        Assert.Contains("spec.policy.rules[1].condition: the CEL condition does not compile", policy.Message, StringComparison.Ordinal);
        Assert.Contains("spec.policy.rules[2].condition: rule 'verified' references model role 'verifier'", policy.Message, StringComparison.Ordinal);
        Assert.Equal(WorkflowPhases.Invalid, rejected.Status!.Phase);
        Assert.Equal(ready.Status!.StableRevision, rejected.Status.StableRevision);
        Assert.Equal(ConditionStatus.True, WorkflowManifests.Condition(rejected, ConditionTypes.Degraded)?.Status);

        var after = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        Assert.Equal(before.ToString(), after.ToString());
        Assert.Equal(Versions(before), Versions(after));
        Assert.Contains(WorkflowReasons.PolicyInvalid, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));

        // Fixing the spec resumes from where it was: same spec, same revision, nothing rewritten.
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", valid);
        var fixedAgain = await WorkflowScenario.WaitReadyAsync(Client, ns, "refunds");
        Assert.Equal(ready.Status.StableRevision, fixedAgain.Status!.StableRevision);
        Assert.Equal(Versions(before), Versions(await WorkflowChildren.ReadAsync(Client, ns, "refunds")));
    }

    [Fact]
    public async Task Delete_Workflow_RemovesEveryChildThenTheFinalizer()
    {
        var ns = await cluster.CreateNamespaceAsync("delete");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await OperatorInstance.StartAsync(cluster.Configuration());
        await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, "refunds");

        await Within.TrueAsync(async () => !await WorkflowScenario.ExistsAsync(Client, ns, "refunds"), () => "the AgentWorkflow is still there (finalizer not removed)");
        var children = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        Assert.True(children.Count == 0, $"children left: {children}");
    }

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
            before[name] = Versions(await WorkflowChildren.ReadAsync(Client, ns, name));
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
            Assert.Equal(before[name], Versions(children));
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
        var before = Versions(await WorkflowChildren.ReadAsync(Client, ns, "refunds"));
        op.Requests.Clear();

        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:3.0.0") with { Suspend = true });
        await WorkflowScenario.WaitAsync(Client, ns, "refunds", w => w.Status?.Phase == WorkflowPhases.Suspended && w.Status.ObservedGeneration == w.Metadata.Generation, "phase Suspended");
        await op.WaitForIdleAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(before, Versions(await WorkflowChildren.ReadAsync(Client, ns, "refunds")));
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

    /// <summary>kind/name@uid/resourceVersion of every child: equal lists mean nothing was created, replaced or written.</summary>
    private static IReadOnlyList<string> Versions(WorkflowChildren children) =>
    [
        .. children.ServiceAccounts.Select(o => Version("sa", o.Metadata)),
        .. children.Roles.Select(o => Version("role", o.Metadata)),
        .. children.RoleBindings.Select(o => Version("rolebinding", o.Metadata)),
        .. children.ConfigMaps.Select(o => Version("configmap", o.Metadata)),
        .. children.Deployments.Select(o => Version("deployment", o.Metadata, o.Metadata.Generation)),
        .. children.Services.Select(o => Version("service", o.Metadata)),
        .. children.NetworkPolicies.Select(o => Version("networkpolicy", o.Metadata)),
    ];

    // A Deployment's resourceVersion moves with its status (the workload simulation); its generation moves only with its spec.
    private static string Version(string kind, V1ObjectMeta metadata, long? generation = null) =>
        generation is null ? $"{kind}/{metadata.Name}@{metadata.Uid}/{metadata.ResourceVersion}" : $"{kind}/{metadata.Name}@{metadata.Uid}/gen{generation}";
}
