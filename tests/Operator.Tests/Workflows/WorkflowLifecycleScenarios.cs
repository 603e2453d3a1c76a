using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// The lifecycle of an AgentWorkflow end to end, written once and run against every <see cref="IWorkflowCluster"/>:
/// create → Ready with every child correct, spec change → new revision, invalid policy → PolicyValid=False with the
/// old revision running, delete → everything gone. Each scenario takes its own namespace and operator.
/// </summary>
internal sealed class WorkflowLifecycleScenarios(IWorkflowCluster cluster)
{
    private Kubernetes Client => cluster.Client;

    private AgentWorkflowSpec Spec(int release = 1) => WorkflowManifests.Spec(cluster.AgentImage(release));

    public async Task CreateBecomesReadyWithEveryChildCorrectAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("create");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await StartOperatorAsync();

        var before = DateTimeOffset.UtcNow;
        var workflow = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", Spec(), cluster.ReadyTimeout);

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
        Assert.InRange(workflow.Status.CredentialsExpireAt!.Value, before.AddSeconds(900), before.AddSeconds(900 + 720 + 5) + cluster.ReadyTimeout);

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
        Assert.Equal(cluster.AgentImage(1), pod.Containers[0].Image);
        Assert.DoesNotContain(pod.Containers[0].VolumeMounts ?? [], m => m.MountPath.StartsWith("/var/run", StringComparison.Ordinal));
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

    public async Task SpecChangeMakesANewRevisionAndRetiresTheOldOnlyOnceTheNewIsAvailableAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("change");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await StartOperatorAsync();
        var first = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", Spec(), cluster.ReadyTimeout);
        var oldRevision = first.Status!.StableRevision!;
        var oldName = ChildNames.RevisionObject("refunds", oldRevision);

        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", Spec(release: 2));

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

            Assert.True(watch.Elapsed < cluster.ReadyTimeout, $"no new stable revision: {WorkflowManifests.Describe(current)}");
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
        Assert.Equal(cluster.AgentImage(2), Assert.Single(children.Deployments).Spec.Template.Spec.Containers[0].Image);
        Assert.Contains(current.Status.History!, h => h.Revision == newRevision && h.Outcome == RevisionOutcome.Promoted);
        Assert.Contains(WorkflowReasons.RevisionRetired, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));
    }

    public async Task InvalidPolicySetsPolicyValidFalseWithEveryErrorAndLeavesTheRunningRevisionAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("invalid");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await StartOperatorAsync();
        var ready = await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", Spec(), cluster.ReadyTimeout);
        var before = await WorkflowChildren.ReadAsync(Client, ns, "refunds");

        var valid = Spec();
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
                    new() { Id = "typo", Tool = WorkflowManifests.IssueRefund, Condition = "inputs.amount_usd > 0", OnFail = RuleAction.Deny },
                    new() { Id = "not-a-boolean", Tool = WorkflowManifests.IssueRefund, Condition = "input.amount_usd * 2", OnFail = RuleAction.Deny },
                    new() { Id = "double-equals", Tool = WorkflowManifests.IssueRefund, Condition = "input.amount_usd <== 50.0", OnFail = RuleAction.Deny },
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
        // Compile-time CEL checks: the rule id, the position and a hint, while the running revision stays.
        Assert.Contains("spec.policy.rules[3].condition: rule 'typo': line 1, column 1: undeclared variable 'inputs'; hint: the declared variables are input, run, tool, models", policy.Message, StringComparison.Ordinal);
        Assert.Contains("spec.policy.rules[4].condition: rule 'not-a-boolean': line 1, column 1: the condition is a number, not a boolean", policy.Message, StringComparison.Ordinal);
        Assert.Contains("spec.policy.rules[5].condition: rule 'double-equals': line 1, column 20: unexpected '='", policy.Message, StringComparison.Ordinal);
        Assert.Equal(WorkflowPhases.Invalid, rejected.Status!.Phase);
        Assert.Equal(ready.Status!.StableRevision, rejected.Status.StableRevision);
        Assert.Equal(ConditionStatus.True, WorkflowManifests.Condition(rejected, ConditionTypes.Degraded)?.Status);

        var after = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        Assert.Equal(before.ToString(), after.ToString());
        Assert.Equal(before.Versions(), after.Versions());
        Assert.Contains(WorkflowReasons.PolicyInvalid, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));

        // Fixing the spec resumes from where it was: same spec, same revision, nothing rewritten.
        await WorkflowManifests.PatchSpecAsync(Client, ns, "refunds", valid);
        var fixedAgain = await WorkflowScenario.WaitReadyAsync(Client, ns, "refunds", cluster.ReadyTimeout);
        Assert.Equal(ready.Status.StableRevision, fixedAgain.Status!.StableRevision);
        Assert.Equal(before.Versions(), (await WorkflowChildren.ReadAsync(Client, ns, "refunds")).Versions());
    }

    public async Task DeleteRemovesEveryChildThenTheFinalizerAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("delete");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var op = await StartOperatorAsync();
        await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds", Spec(), cluster.ReadyTimeout);

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, "refunds");

        await Within.TrueAsync(async () => !await WorkflowScenario.ExistsAsync(Client, ns, "refunds"), () => "the AgentWorkflow is still there (finalizer not removed)", cluster.ReadyTimeout);
        var children = await WorkflowChildren.ReadAsync(Client, ns, "refunds");
        Assert.True(children.Count == 0, $"children left: {children}");
    }

    private Task<OperatorInstance> StartOperatorAsync() => OperatorInstance.StartAsync(cluster.Configuration(), provisioning: cluster.Provisioning);
}
