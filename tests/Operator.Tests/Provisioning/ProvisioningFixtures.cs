using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Provisioning;

/// <summary>A realistic refund workflow and its tools, varied per test with <c>with</c>.</summary>
internal static class ProvisioningFixtures
{
    public const string Namespace = "support";
    public const string WorkflowName = "refund-agent";
    public const string Revision = "7f3a9c2d41";
    public const string Uid = "5b0c8a52-3f43-4c2e-9d8e-1a2b3c4d5e6f";
    public const string BundleJson = """{"version":1,"workflow":"refund-agent","tools":[]}""";

    public static AgentWorkflowSpec Spec { get; } = new()
    {
        Runtime = new()
        {
            Image = "ghcr.io/example/refund-agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            Port = 8080,
            Args = ["--mode", "serve"],
            Env = [new() { Name = "LOG_LEVEL", Value = "info" }],
            Resources = new()
            {
                Requests = new Dictionary<string, string> { ["cpu"] = "250m", ["memory"] = "256Mi" },
                Limits = new Dictionary<string, string> { ["memory"] = "512Mi" },
            },
        },
        Models = new Dictionary<string, ModelSpec>
        {
            ["planner"] = new()
            {
                Provider = "openai",
                Model = "gpt-4o-2024-08-06",
                MaxTokensPerCall = 4000,
                Endpoint = "https://api.openai.com/v1",
                CredentialsSecretRef = new() { Name = "openai-key", Key = "api-key" },
            },
        },
        Tools =
        [
            new() { Name = "crm.lookup_order", Actions = [ToolAction.Read] },
            new() { Name = "payments.issue_refund", Actions = [ToolAction.Create] },
        ],
        Budgets = new() { MaxSteps = 20 },
        Autonomy = Autonomy.Auto,
        Credentials = new() { TokenTtlSeconds = 900, Audiences = ["agentoperator.io/gateway", "crm.example.com"] },
    };

    public static AgentTool LookupOrder { get; } = Tool("crm.lookup_order", riskTier: 0, [ToolAction.Read], new()
    {
        Url = "http://crm.support-backend.svc.cluster.local:8080/orders",
    }, new() { SecretRef = new() { Name = "crm-credentials", Key = "token" } });

    public static AgentTool IssueRefund { get; } = Tool("payments.issue_refund", riskTier: 3, [ToolAction.Create], new()
    {
        Url = "https://payments.example.com:8443/refunds",
    }, new() { BoundToken = new() { Audience = "payments.example.com", ExpirationSeconds = 1200 } });

    public static AgentWorkflow Workflow(AgentWorkflowSpec? spec = null, string name = WorkflowName) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Uid = Uid, Generation = 3 },
        Spec = spec ?? Spec,
    };

    public static RevisionInputs Inputs(AgentWorkflowSpec? spec = null, IReadOnlyList<AgentTool>? tools = null, string name = WorkflowName, string revision = Revision, int replicas = 2) =>
        new(Workflow(spec, name), revision, BundleJson, tools ?? [LookupOrder, IssueRefund], replicas);

    public static AgentTool Tool(string name, int riskTier, IReadOnlyList<ToolAction> actions, ToolUpstream upstream, ToolAuth? auth = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name.Replace('.', '-').Replace('_', '-'), NamespaceProperty = Namespace },
        Spec = new()
        {
            Name = name,
            Owner = "payments-team",
            Description = "A tool",
            RiskTier = riskTier,
            Actions = actions,
            InputSchema = new JsonObject { ["type"] = "object" },
            Upstream = upstream,
            Auth = auth,
        },
    };

    public static V1Container Container(V1Deployment deployment, string name) =>
        deployment.Spec.Template.Spec.Containers.Single(c => c.Name == name);
}
