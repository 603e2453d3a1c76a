using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Replay;
using AgentOperator.Policy.RunBudgets;
using AgentOperator.Policy.Tests.Fixtures;

namespace AgentOperator.Policy.Tests.Replay;

public class PolicyReplayTests
{
    private static RecordedToolCall Recorded(string tool, ToolAction action, string input, DecisionKind kind, string? rule, int toolCalls = 0, params string[] approvers) =>
        new(tool, action, JsonDocument.Parse(input).RootElement.Clone(), new RunSnapshot { RunId = "run-7", ToolCalls = toolCalls }, kind, rule) { Approvers = approvers };

    private static readonly RecordedToolCall[] Log =
    [
        Recorded("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}""", DecisionKind.Allow, null),
        Recorded("payments.issue_refund", ToolAction.Create, """{"order_id":"ord_1","amount_usd":40,"reason":"Regret"}""", DecisionKind.Allow, null, 1, "alice"),
        Recorded("tickets.comment", ToolAction.Create, """{"text":"done"}""", DecisionKind.Allow, null, 2),
        Recorded("tickets.comment", ToolAction.Create, """{"text":"again"}""", DecisionKind.RateLimited, "rate-limit", 3),
    ];

    [Fact]
    public void Same_bundle_changes_nothing()
    {
        var policy = CompiledPolicy.Compile(PolicyFixture.CompileBundle());

        Assert.Empty(PolicyReplay.Changes(policy, Log));
    }

    [Fact]
    public void Stricter_bundle_reports_each_changed_decision()
    {
        var spec = SupportWorkflow.Spec() with
        {
            KillSwitch = false,
            Policy = SupportWorkflow.Spec().Policy! with
            {
                Rules = [new PolicyRule { Id = "refund-limit", Tool = "payments.issue_refund", Condition = "input.amount_usd <= 30.0", OnFail = RuleAction.Deny }],
            },
            Budgets = new Budgets { MaxToolCalls = 3 },
        };
        var policy = CompiledPolicy.Compile(PolicyFixture.CompileBundle(spec));

        var changes = PolicyReplay.Changes(policy, Log);

        Assert.Equal([1, 3], changes.Select(c => c.Index));
        Assert.Equal((DecisionKind.Deny, "refund-limit"), (changes[0].Replayed.Kind, changes[0].Replayed.RuleId));
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxToolCalls), (changes[1].Replayed.Kind, changes[1].Replayed.RuleId));
        Assert.Contains("refund-limit", changes[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Kill_switch_bundle_turns_writes_into_denials()
    {
        var policy = CompiledPolicy.Compile(PolicyFixture.CompileBundle(SupportWorkflow.Spec() with { KillSwitch = true }));

        var replayed = Log.Select(call => PolicyReplay.Redecide(policy, call).RuleId).ToList();

        Assert.Equal([null, BuiltInRules.KillSwitch, BuiltInRules.KillSwitch, BuiltInRules.KillSwitch], replayed);
    }
}
