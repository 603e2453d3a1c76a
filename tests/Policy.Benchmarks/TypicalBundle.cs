using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using k8s.Models;

namespace AgentOperator.Policy.Benchmarks;

/// <summary>The "typical bundle" of the issue: 10 tools, 10 rules (3 for every tool, 7 tool-specific).</summary>
public static class TypicalBundle
{
    private const string OrderSchema = """
        {"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string","pattern":"^ord_[0-9]+$"},"note":{"type":"string","maxLength":500}},"additionalProperties":false}
        """;

    private const string RefundSchema = """
        {"type":"object","required":["order_id","amount_usd","reason"],"properties":{"order_id":{"type":"string","pattern":"^ord_[0-9]+$"},"amount_usd":{"type":"number","minimum":0},"reason":{"type":"string","minLength":1,"maxLength":200},"currency":{"enum":["USD","EUR"]}},"additionalProperties":false}
        """;

    public static PolicyBundle Build()
    {
        (string Name, int Tier, ToolAction Action, string Schema)[] tools =
        [
            ("orders.lookup", 0, ToolAction.Read, OrderSchema),
            ("orders.history", 0, ToolAction.Read, OrderSchema),
            ("customers.lookup", 0, ToolAction.Read, OrderSchema),
            ("kb.search", 0, ToolAction.Read, """{"type":"object","required":["query"],"properties":{"query":{"type":"string","maxLength":300}}}"""),
            ("tickets.comment", 1, ToolAction.Create, """{"type":"object","required":["ticket_id","text"],"properties":{"ticket_id":{"type":"string"},"text":{"type":"string","maxLength":4000}}}"""),
            ("tickets.update", 2, ToolAction.Update, """{"type":"object","required":["ticket_id","status"],"properties":{"ticket_id":{"type":"string"},"status":{"enum":["open","pending","solved"]}}}"""),
            ("shipping.reship", 2, ToolAction.Create, OrderSchema),
            ("payments.issue_refund", 3, ToolAction.Create, RefundSchema),
            ("payments.issue_credit", 3, ToolAction.Create, RefundSchema),
            ("accounts.close", 4, ToolAction.Delete, """{"type":"object","required":["customer_id"],"properties":{"customer_id":{"type":"string"}}}"""),
        ];
        var registry = tools.Select(t => new AgentTool
        {
            Metadata = new V1ObjectMeta { Name = t.Name.Replace('.', '-').Replace('_', '-'), NamespaceProperty = "support" },
            Spec = new AgentToolSpec
            {
                Name = t.Name,
                Owner = "support-platform",
                Description = t.Name,
                RiskTier = t.Tier,
                Actions = [t.Action],
                InputSchema = JsonNode.Parse(t.Schema)!.AsObject(),
                Upstream = new ToolUpstream { Url = "http://tools.support.svc/" + t.Name },
                RateLimit = new RateLimit { RequestsPerMinute = 100_000, Burst = 100_000 },
            },
        }).ToList();
        var spec = new AgentWorkflowSpec
        {
            Runtime = new AgentRuntime { Image = "ghcr.io/example/agent@sha256:0" },
            Models = new Dictionary<string, ModelSpec> { ["planner"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 8000 } },
            Tools = [.. tools.Select(t => new ToolBinding { Name = t.Name, Actions = [t.Action] })],
            Budgets = new Budgets { MaxToolCalls = 10_000, MaxSteps = 10_000, MaxCostUsd = 1000, MaxWallTimeSeconds = 86_400 },
            Autonomy = Autonomy.Auto,
            Policy = new PolicySpec
            {
                Rules =
                [
                    new PolicyRule { Id = "call-cap", Condition = "run.toolCalls < 1000000" },
                    new PolicyRule { Id = "cost-cap", Condition = "run.costUsd < 900.0", OnFail = RuleAction.BlockAndAlert },
                    new PolicyRule { Id = "no-delete-early", Condition = "tool.action != 'delete' || run.steps > 3", OnFail = RuleAction.Escalate },
                    new PolicyRule { Id = "refund-limit", Tool = "payments.issue_refund", Condition = "input.amount_usd <= 50.0", OnFail = RuleAction.Escalate },
                    new PolicyRule { Id = "refund-reason", Tool = "payments.issue_refund", Condition = "input.reason.startsWith('R')" },
                    new PolicyRule { Id = "credit-limit", Tool = "payments.issue_credit", Condition = "input.amount_usd <= 20.0", OnFail = RuleAction.Escalate },
                    new PolicyRule { Id = "comment-size", Tool = "tickets.comment", Condition = "size(input.text) < 2000" },
                    new PolicyRule { Id = "no-reopen", Tool = "tickets.update", Condition = "input.status != 'open'" },
                    new PolicyRule { Id = "kb-query", Tool = "kb.search", Condition = "size(input.query) > 2" },
                    new PolicyRule { Id = "reship-note", Tool = "shipping.reship", Condition = "!has(input.note) || size(input.note) < 200" },
                ],
                Redact = [RedactionKind.Email, RedactionKind.CardNumber],
            },
        };
        var workflow = new AgentWorkflow { Metadata = new V1ObjectMeta { Name = "support", NamespaceProperty = "support" }, Spec = spec };
        var result = PolicyBundleCompiler.Compile(workflow, registry);
        return result.Succeeded ? result.Bundle : throw new PolicyCompilationException(result.Errors);
    }

    public static ToolCallRequest Refund { get; } = Call("payments.issue_refund", ToolAction.Create,
        """{"order_id":"ord_12345","amount_usd":42.5,"reason":"Refund: item arrived damaged","currency":"USD"}""", "alice");

    public static ToolCallRequest Lookup { get; } = Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_12345"}""");

    public static ToolCallRequest Unknown { get; } = Call("shell.exec", ToolAction.Create, """{"cmd":"rm -rf /"}""");

    private static ToolCallRequest Call(string tool, ToolAction action, string input, params string[] approvers) =>
        new(tool, action, JsonDocument.Parse(input).RootElement.Clone()) { Approvers = approvers };
}
