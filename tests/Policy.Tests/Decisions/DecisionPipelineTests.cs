using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Tests.Fixtures;
using static AgentOperator.Policy.Tests.Fixtures.PolicyFixture;

namespace AgentOperator.Policy.Tests.Decisions;

public class DecisionPipelineTests
{
    // tool, action, tier: orders.lookup read 0, tickets.comment create 1, tickets.update update 2 / read 2,
    // payments.issue_refund create 3, accounts.close delete 4
    [Theory]
    [InlineData(Autonomy.Observe, "orders.lookup", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Observe, "tickets.comment", ToolAction.Create, DecisionKind.Deny, 0)]
    [InlineData(Autonomy.Observe, "tickets.update", ToolAction.Read, DecisionKind.Deny, 0)]
    [InlineData(Autonomy.Observe, "tickets.update", ToolAction.Update, DecisionKind.Deny, 0)]
    [InlineData(Autonomy.Observe, "accounts.close", ToolAction.Delete, DecisionKind.Deny, 0)]
    [InlineData(Autonomy.Draft, "orders.lookup", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Draft, "tickets.comment", ToolAction.Create, DecisionKind.Proposal, 0)]
    [InlineData(Autonomy.Draft, "tickets.update", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Draft, "tickets.update", ToolAction.Update, DecisionKind.Proposal, 0)]
    [InlineData(Autonomy.Draft, "accounts.close", ToolAction.Delete, DecisionKind.Proposal, 0)]
    [InlineData(Autonomy.Approve, "orders.lookup", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Approve, "tickets.comment", ToolAction.Create, DecisionKind.NeedsApproval, 1)]
    [InlineData(Autonomy.Approve, "tickets.update", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Approve, "tickets.update", ToolAction.Update, DecisionKind.NeedsApproval, 1)]
    [InlineData(Autonomy.Approve, "accounts.close", ToolAction.Delete, DecisionKind.NeedsApproval, 2)]
    [InlineData(Autonomy.Auto, "orders.lookup", ToolAction.Read, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Auto, "tickets.comment", ToolAction.Create, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Auto, "tickets.update", ToolAction.Update, DecisionKind.Allow, 0)]
    [InlineData(Autonomy.Auto, "accounts.close", ToolAction.Delete, DecisionKind.NeedsApproval, 2)]
    public void Autonomy_by_tier_decides(Autonomy autonomy, string tool, ToolAction action, DecisionKind expected, int approvals)
    {
        var decision = DecisionPipeline.Decide(Compiled(autonomy), Call(tool, action, tool == "orders.lookup" ? """{"order_id":"ord_1"}""" : "{}"), Run());

        Assert.Equal(expected, decision.Kind);
        Assert.Equal(approvals, decision.ApprovalsRequired);
        if (expected != DecisionKind.Allow)
        {
            Assert.Equal(BuiltInRules.Autonomy, decision.RuleId);
        }
    }

    [Theory]
    [InlineData(Autonomy.Approve)]
    [InlineData(Autonomy.Auto)]
    public void Tier3_write_needs_one_approval_and_executes_with_it(Autonomy autonomy)
    {
        var policy = Compiled(autonomy);

        var pending = DecisionPipeline.Decide(policy, Refund(), Run());
        var approved = DecisionPipeline.Decide(policy, Refund(approvers: "alice"), Run());

        Assert.Equal(DecisionKind.NeedsApproval, pending.Kind);
        Assert.Equal(1, pending.ApprovalsRequired);
        Assert.Equal("escalate", pending.ProblemDecision);
        Assert.Equal(DecisionKind.Allow, approved.Kind);
    }

    [Fact]
    public void Tier4_needs_two_distinct_approvers()
    {
        var policy = Compiled(Autonomy.Auto);

        var sameUserTwice = DecisionPipeline.Decide(policy, Call("accounts.close", ToolAction.Delete, "{}", "alice", "alice"), Run());
        var twoUsers = DecisionPipeline.Decide(policy, Call("accounts.close", ToolAction.Delete, "{}", "alice", "bob"), Run());

        Assert.Equal(DecisionKind.NeedsApproval, sameUserTwice.Kind);
        Assert.Equal(2, sameUserTwice.ApprovalsRequired);
        Assert.Equal(DecisionKind.Allow, twoUsers.Kind);
    }

    [Fact]
    public void Kill_switch_denies_every_write_but_not_reads()
    {
        var policy = Compiled(Autonomy.Auto, killSwitch: true);

        var write = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create), Run());
        var approvedWrite = DecisionPipeline.Decide(policy, Call("accounts.close", ToolAction.Delete, "{}", "alice", "bob"), Run());
        var read = DecisionPipeline.Decide(policy, Call("tickets.update", ToolAction.Read), Run());

        Assert.Equal((DecisionKind.Deny, BuiltInRules.KillSwitch), (write.Kind, write.RuleId));
        Assert.Equal((DecisionKind.Deny, BuiltInRules.KillSwitch), (approvedWrite.Kind, approvedWrite.RuleId));
        Assert.Equal(DecisionKind.Allow, read.Kind);
    }

    [Fact]
    public void Unknown_tool_is_denied_by_the_allowlist()
    {
        var decision = DecisionPipeline.Decide(Compiled(), Call("payments.refund_everything", ToolAction.Create), Run());

        Assert.Equal((DecisionKind.Deny, BuiltInRules.Allowlist), (decision.Kind, decision.RuleId));
        Assert.Contains("payments.refund_everything", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(403, decision.HttpStatus);
    }

    [Fact]
    public void Action_the_workflow_did_not_bind_is_denied_even_if_the_registry_allows_it()
    {
        // tickets.comment allows read in the registry, but the workflow binds only create.
        var decision = DecisionPipeline.Decide(Compiled(), Call("tickets.comment", ToolAction.Read), Run());

        Assert.Equal((DecisionKind.Deny, BuiltInRules.Action), (decision.Kind, decision.RuleId));
    }

    [Fact]
    public void Schema_errors_are_reported_as_pointers()
    {
        var decision = DecisionPipeline.Decide(Compiled(), Call("payments.issue_refund", ToolAction.Create,
            """{"order_id":"12","amount_usd":"lots","extra":1}"""), Run());

        Assert.Equal((DecisionKind.Invalid, BuiltInRules.Schema), (decision.Kind, decision.RuleId));
        Assert.Equal("invalid", decision.ProblemDecision);
        Assert.Equal(422, decision.HttpStatus);
        var pointers = decision.Errors.Select(e => e.Pointer).ToHashSet();
        Assert.Contains("/order_id", pointers);
        Assert.Contains("/amount_usd", pointers);
        Assert.Contains("", pointers); // missing "reason" and the additional property are errors of the root
        Assert.All(decision.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }

    [Fact]
    public void Workflow_constraints_tighten_the_registry_schema()
    {
        var decision = DecisionPipeline.Decide(Compiled(), Refund(amount: 600, approvers: "alice"), Run());

        Assert.Equal(DecisionKind.Invalid, decision.Kind);
        Assert.Contains(decision.Errors, e => e.Pointer == "/amount_usd");
    }

    [Fact]
    public void Escalate_rule_needs_an_approval_and_names_the_rule()
    {
        var spec = SupportWorkflow.Spec() with
        {
            Policy = new PolicySpec { Rules = [new PolicyRule { Id = "short-comments", Tool = "tickets.comment", Condition = "size(input.text) < 10", OnFail = RuleAction.Escalate }] },
        };
        var policy = CompiledPolicy.Compile(CompileBundle(spec));

        var shortComment = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create, """{"text":"ok"}"""), Run());
        var longComment = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create, """{"text":"a much longer comment"}"""), Run());
        var approved = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create, """{"text":"a much longer comment"}""", "alice"), Run());

        Assert.Equal(DecisionKind.Allow, shortComment.Kind);
        Assert.Equal((DecisionKind.NeedsApproval, "short-comments", 1), (longComment.Kind, longComment.RuleId, longComment.ApprovalsRequired));
        Assert.Equal(DecisionKind.Allow, approved.Kind);
    }

    [Fact]
    public void Deny_rule_refuses_with_its_id_and_a_reason()
    {
        var decision = DecisionPipeline.Decide(Compiled(), Refund(reason: "Because", approvers: "alice"), Run());

        Assert.Equal((DecisionKind.Deny, "refund-reason", false), (decision.Kind, decision.RuleId, decision.Alert));
        Assert.Contains("refund-reason", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Block_and_alert_rule_denies_and_raises_the_alert_flag()
    {
        var decision = DecisionPipeline.Decide(Compiled(), Refund(orderId: "ord_666001", approvers: "alice"), Run());

        Assert.Equal((DecisionKind.Deny, "no-fraud-orders", true), (decision.Kind, decision.RuleId, decision.Alert));
        Assert.Equal("Refunds on flagged orders are blocked.", decision.Reason);
    }

    [Theory]
    [InlineData(42)]
    [InlineData(42.5)]
    [InlineData(50)]
    public void Integer_and_decimal_amounts_compare_with_a_double_literal(double amount)
    {
        var decision = DecisionPipeline.Decide(Compiled(), Refund(amount: amount, approvers: "alice"), Run());

        Assert.Equal(DecisionKind.Allow, decision.Kind);
    }

    [Fact]
    public void Rule_over_the_limit_escalates_even_for_integral_json()
    {
        var spec = SupportWorkflow.Spec() with { Autonomy = Autonomy.Auto };
        var policy = CompiledPolicy.Compile(CompileBundle(spec));

        var decision = DecisionPipeline.Decide(policy, Refund(amount: 51), Run());

        Assert.Equal(DecisionKind.NeedsApproval, decision.Kind);
        Assert.Equal(1, decision.ApprovalsRequired);
    }

    [Fact]
    public void Rule_that_cannot_be_evaluated_fails_closed_with_a_reason()
    {
        var spec = SupportWorkflow.Spec() with
        {
            Policy = new PolicySpec { Rules = [new PolicyRule { Id = "needs-text", Tool = "tickets.comment", Condition = "input.text.size() > 0" }] },
        };
        var policy = CompiledPolicy.Compile(CompileBundle(spec));

        var decision = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create, """{"body":"hi"}"""), Run());

        Assert.Equal((DecisionKind.Deny, "needs-text"), (decision.Kind, decision.RuleId));
        Assert.Contains("could not be evaluated", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_see_the_run_counters()
    {
        var policy = Compiled();

        var early = DecisionPipeline.Decide(policy, Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), Run(toolCalls: 3));
        var late = DecisionPipeline.Decide(policy, Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), Run(toolCalls: 25));

        Assert.Equal(DecisionKind.Allow, early.Kind);
        Assert.Equal((DecisionKind.Deny, "call-cap"), (late.Kind, late.RuleId));
    }

    [Fact]
    public void Rules_see_the_tool_and_the_models()
    {
        var spec = SupportWorkflow.Spec() with
        {
            Policy = new PolicySpec
            {
                Rules =
                [
                    new PolicyRule { Id = "tier", Condition = "tool.riskTier < 2 || tool.action == 'read'" },
                    new PolicyRule { Id = "models", Condition = "models.planner.maxTokensPerCall == 8000 && tool.name != ''" },
                ],
            },
        };
        var policy = CompiledPolicy.Compile(CompileBundle(spec));

        var low = DecisionPipeline.Decide(policy, Call("tickets.comment", ToolAction.Create), Run());
        var high = DecisionPipeline.Decide(policy, Call("tickets.update", ToolAction.Update), Run());
        var highRead = DecisionPipeline.Decide(policy, Call("tickets.update", ToolAction.Read), Run());

        Assert.Equal(DecisionKind.Allow, low.Kind);
        Assert.Equal((DecisionKind.Deny, "tier"), (high.Kind, high.RuleId));
        Assert.Equal(DecisionKind.Allow, highRead.Kind);
    }

    [Fact]
    public void Draft_mode_refuses_invalid_input_before_proposing()
    {
        var decision = DecisionPipeline.Decide(Compiled(Autonomy.Draft), Call("payments.issue_refund", ToolAction.Create, "{}"), Run());

        Assert.Equal(DecisionKind.Invalid, decision.Kind);
    }

    [Theory]
    [InlineData(DecisionKind.Allow, null, "allow", 200)]
    [InlineData(DecisionKind.Deny, "deny", "deny", 403)]
    [InlineData(DecisionKind.NeedsApproval, "escalate", "escalate", 202)]
    [InlineData(DecisionKind.Proposal, null, "escalate", 202)]
    [InlineData(DecisionKind.Invalid, "invalid", "deny", 422)]
    [InlineData(DecisionKind.BudgetExceeded, "budget_exceeded", "deny", 402)]
    [InlineData(DecisionKind.RateLimited, "rate_limited", "deny", 429)]
    public void Decisions_map_to_problem_metric_and_status(DecisionKind kind, string? problem, string metric, int status)
    {
        var decision = new Decision(kind, "r", "reason");

        Assert.Equal(problem, decision.ProblemDecision);
        Assert.Equal(metric, decision.MetricDecision);
        Assert.Equal(status, decision.HttpStatus);
    }
}
