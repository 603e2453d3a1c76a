using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// SecretsAvailable end to end on the DevCluster node: the gateway pod of a tool whose credential Secret does not exist
/// waits in ContainerCreating with the kubelet's FailedMount Events, the operator (with config/rbac's identity, which
/// cannot read Secrets) names the Secret and the tool, and the workflow becomes Ready once the Secret is created.
/// </summary>
public sealed class SecretsAvailableOnNodeTests(NodeWorkflowClusterFixture cluster) : IClassFixture<NodeWorkflowClusterFixture>
{
    private Kubernetes Client => cluster.Client;

    [Fact]
    public async Task A_tool_whose_secret_is_missing_is_named_in_SecretsAvailable_and_the_workflow_becomes_Ready_once_the_secret_exists()
    {
        var ns = await cluster.CreateNamespaceAsync("secrets-node");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        var refund = WorkflowManifests.Tool(ns, WorkflowManifests.IssueRefund, 3, [ToolAction.Create]);
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new { spec = new { auth = new { secretRef = new { name = "payments-api-token", key = "token" } } } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ns, AgentTool.Plural, refund.Metadata.Name);
        await using var op = await OperatorInstance.StartAsync(cluster.OperatorConfiguration, provisioning: cluster.Provisioning);

        await WorkflowManifests.CreateAsync(Client, WorkflowManifests.Workflow(ns, "refunds"));
        var waiting = await WorkflowScenario.WaitAsync(Client, ns, "refunds",
            w => WorkflowManifests.Condition(w, ConditionTypes.SecretsAvailable) is { Status: ConditionStatus.False },
            "SecretsAvailable=False while the payments Secret does not exist", TimeSpan.FromSeconds(60));
        var condition = WorkflowManifests.Condition(waiting, ConditionTypes.SecretsAvailable)!;
        Assert.Equal(WorkflowReasons.SecretMissing, condition.Reason);
        Assert.Contains("Secret \"payments-api-token\"", condition.Message, StringComparison.Ordinal);
        Assert.Contains(WorkflowManifests.IssueRefund, condition.Message, StringComparison.Ordinal);
        Assert.False(WorkflowManifests.IsReady(waiting));

        // What the operator read came from the node: the pod waits, it does not fail or restart.
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.NotEmpty(pods);
        Assert.All(pods, p => Assert.Equal("Pending", p.Status?.Phase));
        var mounts = (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=FailedMount")).Items;
        Assert.Contains(mounts, e => e.Message.Contains("secret \"payments-api-token\" not found", StringComparison.Ordinal));
        Assert.Contains(WorkflowReasons.SecretMissing, await WorkflowScenario.EventReasonsAsync(Client, ns, "refunds"));

        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "payments-api-token" }, StringData = new Dictionary<string, string> { ["token"] = "not-a-real-token" } }, ns);
        var ready = await WorkflowScenario.WaitReadyAsync(Client, ns, "refunds", TimeSpan.FromSeconds(60));
        Assert.Equal(ConditionStatus.True, WorkflowManifests.Condition(ready, ConditionTypes.SecretsAvailable)?.Status);
    }
}
