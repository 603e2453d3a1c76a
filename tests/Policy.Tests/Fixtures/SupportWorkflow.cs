using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Policy.Tests.Fixtures;

/// <summary>A support-refund workflow and its registry, the shape most tests start from.</summary>
public static class SupportWorkflow
{
    public static AgentTool Tool(string name, int tier, ToolAction[] actions, string? schema = null, RateLimit? rateLimit = null, string? metadataName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = metadataName ?? name.Replace('.', '-').Replace('_', '-'), NamespaceProperty = "support" },
        Spec = new AgentToolSpec
        {
            Name = name,
            Owner = "payments-team",
            Description = $"The {name} tool.",
            RiskTier = tier,
            Actions = actions,
            InputSchema = schema is null ? null : JsonNode.Parse(schema)!.AsObject(),
            Upstream = new ToolUpstream { Url = $"http://{name.Replace('.', '-').Replace('_', '-')}.tools.svc/invoke" },
            Auth = new ToolAuth { SecretRef = new SecretHeaderAuth { Name = "tool-creds", Key = "token" } },
            RateLimit = rateLimit,
        },
    };

    public const string RefundSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["order_id", "amount_usd", "reason"],
          "properties": {
            "order_id": { "type": "string", "pattern": "^ord_[0-9]+$" },
            "amount_usd": { "type": "number", "minimum": 0 },
            "reason": { "type": "string", "minLength": 1 }
          },
          "additionalProperties": false
        }
        """;

    public static List<AgentTool> Registry() =>
    [
        Tool("orders.lookup", 0, [ToolAction.Read], """{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string"}}}"""),
        Tool("tickets.comment", 1, [ToolAction.Create, ToolAction.Read]),
        Tool("tickets.update", 2, [ToolAction.Update, ToolAction.Read]),
        Tool("payments.issue_refund", 3, [ToolAction.Create], RefundSchema, new RateLimit { RequestsPerMinute = 60, Burst = 5 }),
        Tool("accounts.close", 4, [ToolAction.Delete]),
    ];

    public static AgentWorkflowSpec Spec(Autonomy autonomy = Autonomy.Auto) => new()
    {
        Runtime = new AgentRuntime { Image = "ghcr.io/example/support-agent@sha256:abc" },
        Models = new Dictionary<string, ModelSpec>
        {
            ["planner"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 8000, InputCostPer1kTokensUsd = 0.0025, OutputCostPer1kTokensUsd = 0.01 },
            ["executor"] = new() { Provider = "anthropic", Model = "claude-sonnet-4-20250514", MaxTokensPerCall = 4000 },
        },
        Tools =
        [
            new ToolBinding { Name = "orders.lookup", Actions = [ToolAction.Read] },
            new ToolBinding { Name = "tickets.comment", Actions = [ToolAction.Create] },
            new ToolBinding { Name = "tickets.update", Actions = [ToolAction.Update, ToolAction.Read] },
            new ToolBinding
            {
                Name = "payments.issue_refund",
                Actions = [ToolAction.Create],
                Constraints = JsonNode.Parse("""{"properties":{"amount_usd":{"maximum":500}}}""")!.AsObject(),
                RateLimit = new RateLimit { RequestsPerMinute = 6, Burst = 2 },
            },
            new ToolBinding { Name = "accounts.close", Actions = [ToolAction.Delete] },
        ],
        Budgets = new Budgets { MaxSteps = 20, MaxToolCalls = 30, MaxTokensTotal = 100_000, MaxCostUsd = 2.0, MaxWallTimeSeconds = 600 },
        Policy = new PolicySpec
        {
            Rules =
            [
                new PolicyRule { Id = "refund-limit", Tool = "payments.issue_refund", Condition = "input.amount_usd <= 50.0", OnFail = RuleAction.Escalate, Message = "Refunds above 50 USD need a human" },
                new PolicyRule { Id = "refund-reason", Tool = "payments.issue_refund", Condition = "input.reason.startsWith('R')", OnFail = RuleAction.Deny },
                new PolicyRule { Id = "no-fraud-orders", Tool = "payments.issue_refund", Condition = "!input.order_id.startsWith('ord_666')", OnFail = RuleAction.BlockAndAlert, Message = "Refunds on flagged orders are blocked" },
                new PolicyRule { Id = "call-cap", Condition = "run.toolCalls < 25", OnFail = RuleAction.Deny, Message = "Too many tool calls in this run" },
            ],
            Redact = [RedactionKind.Email, RedactionKind.CardNumber],
        },
        Autonomy = autonomy,
    };

    public static AgentWorkflow Workflow(AgentWorkflowSpec? spec = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "support-refund", NamespaceProperty = "support" },
        Spec = spec ?? Spec(),
    };
}
