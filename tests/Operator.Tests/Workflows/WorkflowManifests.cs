using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>A support-refund workflow and its two tools, as a user would apply them, plus the API calls tests make on them.</summary>
internal static class WorkflowManifests
{
    public const string LookupOrder = "crm.lookup_order";
    public const string IssueRefund = "payments.issue_refund";

    public static AgentTool Tool(string ns, string name, int riskTier, IReadOnlyList<ToolAction> actions) => new()
    {
        Metadata = new V1ObjectMeta { Name = name.Replace('.', '-').Replace('_', '-'), NamespaceProperty = ns },
        Spec = new AgentToolSpec
        {
            Name = name,
            Owner = "support-platform",
            Description = $"{name} for the support agents",
            RiskTier = riskTier,
            Actions = actions,
            InputSchema = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["order_id"] = new JsonObject { ["type"] = "string" } } },
            Upstream = new ToolUpstream { Url = "http://crm.support-backend.svc.cluster.local:8080/" + name },
        },
    };

    public static AgentWorkflowSpec Spec(string image = "ghcr.io/example/refund-agent:1.0.0") => new()
    {
        Runtime = new AgentRuntime { Image = image, Replicas = 1, Port = 8080 },
        Models = new Dictionary<string, ModelSpec>
        {
            ["planner"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 4000 },
        },
        Tools =
        [
            new() { Name = LookupOrder, Actions = [ToolAction.Read] },
            new() { Name = IssueRefund, Actions = [ToolAction.Create] },
        ],
        Budgets = new Budgets { MaxSteps = 20, MaxToolCalls = 10 },
        Autonomy = Autonomy.Approve,
        Policy = new PolicySpec
        {
            Rules = [new PolicyRule { Id = "small-refunds", Tool = IssueRefund, Condition = "input.amount_usd <= 50.0", OnFail = RuleAction.Escalate }],
        },
        Credentials = new CredentialsSpec { TokenTtlSeconds = 900 },
    };

    public static AgentWorkflow Workflow(string ns, string name, AgentWorkflowSpec? spec = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = spec ?? Spec(),
    };

    public static async Task ApplyToolsAsync(IKubernetes client, string ns)
    {
        foreach (var tool in new[] { Tool(ns, LookupOrder, 0, [ToolAction.Read]), Tool(ns, IssueRefund, 3, [ToolAction.Create]) })
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(tool, ApiGroup.Group, ApiGroup.Version, ns, AgentTool.Plural);
        }
    }

    public static Task CreateAsync(IKubernetes client, AgentWorkflow workflow) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(workflow, ApiGroup.Group, ApiGroup.Version, workflow.Metadata.NamespaceProperty, AgentWorkflow.Plural);

    public static Task<AgentWorkflow> GetAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<AgentWorkflow>(ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, name);

    /// <summary>Changes the spec as <c>kubectl apply</c> would: a merge patch of the whole new spec.</summary>
    public static Task PatchSpecAsync(IKubernetes client, string ns, string name, AgentWorkflowSpec spec)
    {
        var patch = new JsonObject { ["spec"] = JsonNode.Parse(KubernetesJson.Serialize(spec)) };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, name);
    }

    public static Task AnnotateAsync(IKubernetes client, string ns, string name, string key, string value)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, name);
    }

    public static Condition? Condition(AgentWorkflow workflow, string type) => workflow.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsReady(AgentWorkflow workflow) =>
        Condition(workflow, ConditionTypes.Ready)?.Status == ConditionStatus.True && workflow.Status?.ObservedGeneration == workflow.Metadata.Generation
        && workflow.Status?.Phase == "Ready";

    public static string Describe(AgentWorkflow workflow) =>
        $"generation {workflow.Metadata.Generation}, status {KubernetesJson.Serialize(workflow.Status)}";
}
