using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>A realistic bundle of the support-refund workflow, with its upstreams at a stub.</summary>
public static class TestBundles
{
    public static PolicyBundle SupportRefund(string upstream, Budgets? budgets = null, bool killSwitch = false, Autonomy autonomy = Autonomy.Auto, double refundLimitUsd = 500) => new()
    {
        Workflow = new BundleWorkflow("support", "support-refund"),
        Revision = "rev0000001",
        Autonomy = autonomy,
        KillSwitch = killSwitch,
        Budgets = budgets ?? new Budgets { MaxToolCalls = 100, MaxTokensTotal = 100_000, MaxCostUsd = 5 },
        Redact = [RedactionKind.Email, RedactionKind.CardNumber],
        Models = new Dictionary<string, BundleModel>
        {
            ["executor"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 4000, Endpoint = upstream + "/v1", InputCostPer1kTokensUsd = 0.0025, OutputCostPer1kTokensUsd = 0.01 },
        },
        Tools =
        [
            Tool("orders.lookup", 0, [ToolAction.Read], upstream + "/orders", new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("order_id"),
                ["properties"] = new JsonObject { ["order_id"] = new JsonObject { ["type"] = "string", ["maxLength"] = 64 } },
                ["additionalProperties"] = false,
            }),
            Tool("tickets.create", 1, [ToolAction.Create], upstream + "/tickets", new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("subject"),
                ["properties"] = new JsonObject { ["subject"] = new JsonObject { ["type"] = "string" }, ["email"] = new JsonObject { ["type"] = "string" } },
            }),
            Tool("notes.add", 1, [ToolAction.Create], upstream + "/notes", null) with { RateLimit = new RateLimit { RequestsPerMinute = 2, Burst = 2 } },
            Tool("payments.issue_refund", 3, [ToolAction.Create], upstream + "/refund", new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("order_id", "amount_usd"),
                ["properties"] = new JsonObject { ["order_id"] = new JsonObject { ["type"] = "string" }, ["amount_usd"] = new JsonObject { ["type"] = "number", ["minimum"] = 0 } },
            }),
            Tool("records.purge", 4, [ToolAction.Delete], upstream + "/purge", null),
        ],
        Rules =
        [
            new BundleRule { Id = "refund-limit", Tool = "payments.issue_refund", Condition = $"input.amount_usd <= {refundLimitUsd:0.0}", OnFail = RuleAction.Deny, Message = "refunds above the limit are refused" },
        ],
    };

    private static BundleTool Tool(string name, int tier, IReadOnlyList<ToolAction> actions, string url, JsonObject? schema) => new()
    {
        Name = name,
        Description = $"{name} for tests",
        Owner = "support",
        RiskTier = tier,
        Actions = actions,
        InputSchema = schema,
        Upstream = new ToolUpstream { Url = url, TimeoutSeconds = 5 },
    };
}
