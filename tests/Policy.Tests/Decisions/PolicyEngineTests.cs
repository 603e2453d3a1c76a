using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RateLimits;
using AgentOperator.Policy.RunBudgets;
using AgentOperator.Policy.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using static AgentOperator.Policy.Tests.Fixtures.PolicyFixture;

namespace AgentOperator.Policy.Tests.Decisions;

public class PolicyEngineTests
{
    private readonly FakeTimeProvider _time = new();

    private PolicyEngine Engine(AgentWorkflowSpec? spec = null) =>
        new(CompiledPolicy.Compile(CompileBundle(spec)), new ToolRateLimiter(_time));

    private RunLedger Ledger(PolicyEngine engine) => new("run-1", engine.Bundle.Budgets, _time);

    [Fact]
    public void Allowed_call_hands_out_a_reservation_to_settle()
    {
        var engine = Engine();
        var run = Ledger(engine);

        var result = engine.DecideToolCall(Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), run);

        Assert.Equal(DecisionKind.Allow, result.Decision.Kind);
        Assert.NotNull(result.Reservation);
        Assert.Equal(0, result.Run.ToolCalls);
        Assert.Equal(1, run.Reserved.ToolCalls);
        result.Reservation.Settle(Usage.OneToolCall);
        Assert.Equal(1, run.Committed.ToolCalls);
    }

    [Fact]
    public void Refused_calls_count_against_max_tool_calls()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxToolCalls = 2 } });
        var run = Ledger(engine);

        var denied = engine.DecideToolCall(Call("nope.tool", ToolAction.Read), run);
        var allowed = engine.DecideToolCall(Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), run);
        allowed.Reservation!.Settle(Usage.OneToolCall);
        var third = engine.DecideToolCall(Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), run);
        var fourth = engine.DecideToolCall(Call("tickets.comment", ToolAction.Create), run);

        Assert.Equal(DecisionKind.Deny, denied.Decision.Kind);
        Assert.Null(denied.Reservation);
        Assert.Equal(DecisionKind.Allow, allowed.Decision.Kind);
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxToolCalls), (third.Decision.Kind, third.Decision.RuleId));
        Assert.Equal("budget_exceeded", third.Decision.ProblemDecision);
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxToolCalls), (fourth.Decision.Kind, fourth.Decision.RuleId));
    }

    [Fact]
    public void Wall_time_budget_refuses_tool_and_model_calls()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxWallTimeSeconds = 30 } });
        var run = Ledger(engine);
        _time.Advance(TimeSpan.FromSeconds(31));

        var tool = engine.DecideToolCall(Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), run);
        var model = engine.DecideModelCall(new ModelCallRequest("planner", null), run);

        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxWallTimeSeconds), (tool.Decision.Kind, tool.Decision.RuleId));
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxWallTimeSeconds), (model.Decision.Kind, model.Decision.RuleId));
    }

    [Fact]
    public void Rate_limit_is_a_token_bucket_on_the_injected_clock()
    {
        // binding: 6 per minute, burst 2 (tighter than the registry's 60 / 5)
        var engine = Engine();
        var run = Ledger(engine);
        ToolCallDecision Refund() => engine.DecideToolCall(PolicyFixture.Refund(approvers: "alice"), run);

        var first = Refund();
        var second = Refund();
        var third = Refund();
        _time.Advance(TimeSpan.FromSeconds(9));
        var tooEarly = Refund();
        _time.Advance(TimeSpan.FromSeconds(1));
        var refilled = Refund();

        Assert.Equal(DecisionKind.Allow, first.Decision.Kind);
        Assert.Equal(DecisionKind.Allow, second.Decision.Kind);
        Assert.Equal((DecisionKind.RateLimited, BuiltInRules.RateLimit), (third.Decision.Kind, third.Decision.RuleId));
        Assert.Equal("rate_limited", third.Decision.ProblemDecision);
        Assert.Equal(10.0, third.Decision.RetryAfter!.Value.TotalSeconds, 3);
        Assert.Null(third.Reservation);
        Assert.Equal(DecisionKind.RateLimited, tooEarly.Decision.Kind);
        Assert.Equal(DecisionKind.Allow, refilled.Decision.Kind);
    }

    [Fact]
    public void Rate_limit_is_per_workflow_and_survives_an_engine_rebuilt_for_a_reload()
    {
        var limiter = new ToolRateLimiter(_time);
        var bundle = CompileBundle();
        var engine = new PolicyEngine(CompiledPolicy.Compile(bundle), limiter);
        var reloaded = new PolicyEngine(CompiledPolicy.Compile(bundle with { KillSwitch = false, Revision = "0123456789" }), limiter);
        var other = new PolicyEngine(CompiledPolicy.Compile(bundle with { Workflow = bundle.Workflow with { Name = "other" } }), limiter);
        var run = new RunLedger("run-1", bundle.Budgets, _time);

        engine.DecideToolCall(Refund(approvers: "alice"), run);
        engine.DecideToolCall(Refund(approvers: "alice"), run);

        Assert.Equal(DecisionKind.RateLimited, reloaded.DecideToolCall(Refund(approvers: "alice"), run).Decision.Kind);
        Assert.Equal(DecisionKind.Allow, other.DecideToolCall(Refund(approvers: "alice"), run).Decision.Kind);
    }

    [Fact]
    public void Pending_approval_does_not_consume_the_rate_limit()
    {
        var engine = Engine();
        var run = Ledger(engine);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(DecisionKind.NeedsApproval, engine.DecideToolCall(Refund(), run).Decision.Kind);
        }

        Assert.Equal(DecisionKind.Allow, engine.DecideToolCall(Refund(approvers: "alice"), run).Decision.Kind);
    }

    [Fact]
    public void Model_call_for_an_undeclared_role_is_denied()
    {
        var engine = Engine();

        var decision = engine.DecideModelCall(new ModelCallRequest("writer", null), Ledger(engine));

        Assert.Equal((DecisionKind.Deny, BuiltInRules.ModelRole), (decision.Decision.Kind, decision.Decision.RuleId));
        Assert.Null(decision.Model);
    }

    [Fact]
    public void Model_call_for_another_model_than_the_pinned_one_is_denied()
    {
        var engine = Engine();

        var floating = engine.DecideModelCall(new ModelCallRequest("planner", "gpt-4o"), Ledger(engine));
        var pinned = engine.DecideModelCall(new ModelCallRequest("planner", "gpt-4o-2024-08-06"), Ledger(engine));

        Assert.Equal((DecisionKind.Deny, BuiltInRules.ModelPinned), (floating.Decision.Kind, floating.Decision.RuleId));
        Assert.Equal(DecisionKind.Allow, pinned.Decision.Kind);
        Assert.Equal("gpt-4o-2024-08-06", pinned.Model!.Model);
    }

    [Fact]
    public void Model_call_above_max_tokens_per_call_is_capped_to_what_the_limit_leaves_after_the_prompt()
    {
        var engine = Engine();

        var decision = engine.DecideModelCall(new ModelCallRequest("executor", null) { MaxCompletionTokens = 3_500, EstimatedPromptTokens = 1_000 }, Ledger(engine));

        Assert.Equal(DecisionKind.Allow, decision.Decision.Kind);
        Assert.Equal(3_000, decision.MaxCompletionTokens);
        Assert.Equal(4_000, decision.Reservation!.Amount.Tokens);
    }

    [Fact]
    public void Model_call_whose_prompt_alone_fills_max_tokens_per_call_is_denied()
    {
        var engine = Engine();

        var decision = engine.DecideModelCall(new ModelCallRequest("executor", null) { EstimatedPromptTokens = 4_000 }, Ledger(engine));

        Assert.Equal((DecisionKind.Deny, BuiltInRules.MaxTokensPerCall), (decision.Decision.Kind, decision.Decision.RuleId));
        Assert.Contains("about 4000 tokens", decision.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_call_without_max_tokens_is_capped_to_what_the_run_can_still_pay_for()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxTokensTotal = 24_000 } });
        var run = Ledger(engine);
        run.Record(new Usage(Tokens: 16_500));

        var decision = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 500 }, run);

        // 24,000 - 16,500 = 7,500 left: 500 for the prompt, 7,000 for the completion (below maxTokensPerCall's 7,500).
        Assert.Equal(DecisionKind.Allow, decision.Decision.Kind);
        Assert.Equal(7_000, decision.MaxCompletionTokens);
        Assert.Equal((1, 7_500), (decision.Reservation!.Amount.Steps, decision.Reservation.Amount.Tokens));
        Assert.Equal((500 * 0.0025 + 7_000 * 0.01) / 1000, decision.Reservation.Amount.CostUsd, 1e-12);
        Assert.Null(run.TerminatedBy);
    }

    [Fact]
    public void Model_call_is_capped_by_the_cost_left_at_the_output_price()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxCostUsd = 0.5 } });
        var run = Ledger(engine);
        run.Record(new Usage(CostUsd: 0.49));

        var decision = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 400 }, run);

        // 0.01 USD left: 400 prompt tokens cost 0.001, the other 0.009 buy 900 completion tokens at 0.01 / 1k.
        Assert.Equal(900, decision.MaxCompletionTokens);
        Assert.Equal(0.5, run.Snapshot().CostUsd, 1e-9);
    }

    [Fact]
    public void Model_call_with_several_choices_reserves_the_cap_for_each()
    {
        var engine = Engine();

        var decision = engine.DecideModelCall(new ModelCallRequest("planner", null) { MaxCompletionTokens = 100, EstimatedPromptTokens = 10, Choices = 3 }, Ledger(engine));

        Assert.Equal(100, decision.MaxCompletionTokens);
        Assert.Equal(310, decision.Reservation!.Amount.Tokens);
    }

    [Fact]
    public void Model_call_with_several_choices_shares_max_tokens_per_call()
    {
        var engine = Engine();

        var decision = engine.DecideModelCall(new ModelCallRequest("executor", null) { EstimatedPromptTokens = 1_000, Choices = 4 }, Ledger(engine));

        Assert.Equal(750, decision.MaxCompletionTokens);
        Assert.Equal(4_000, decision.Reservation!.Amount.Tokens);
    }

    [Fact]
    public void Run_ends_only_when_less_than_the_minimum_completion_is_left()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxTokensTotal = 24_000 } });
        var run = Ledger(engine);
        run.Record(new Usage(Tokens: 24_000 - 100 - PolicyEngine.MinimumCompletionTokens));

        var last = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 100 }, run);
        last.Reservation!.Settle(new Usage(Steps: 1, Tokens: 101));
        var refused = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 100 }, run);

        Assert.Equal(PolicyEngine.MinimumCompletionTokens, last.MaxCompletionTokens);
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxTokensTotal), (refused.Decision.Kind, refused.Decision.RuleId));
        Assert.Contains("The run has 15 of its 24000 tokens (maxTokensTotal) left", refused.Decision.Reason, StringComparison.Ordinal);
        Assert.False(refused.Retryable);
        Assert.Equal(BudgetNames.MaxTokensTotal, run.TerminatedBy);
    }

    [Fact]
    public void A_small_requested_cap_fits_below_the_minimum()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxTokensTotal = 1_000 } });
        var run = Ledger(engine);
        run.Record(new Usage(Tokens: 990));

        var decision = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 5, MaxCompletionTokens = 5 }, run);

        Assert.Equal(5, decision.MaxCompletionTokens);
    }

    [Fact]
    public void Model_calls_reserve_a_step_and_worst_case_tokens_and_cost()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxSteps = 2, MaxCostUsd = 1.0 } });
        var run = Ledger(engine);

        var first = engine.DecideModelCall(new ModelCallRequest("planner", null), run);

        // 8,000 tokens at the dearer price (0.01 USD / 1k) = 0.08 USD held
        Assert.Equal(new Usage(Steps: 1, Tokens: 8_000, CostUsd: 0.08), first.Reservation!.Amount);
        var model = first.Model!;
        first.Reservation.Settle(new Usage(Steps: 1, Tokens: 1_500, CostUsd: model.CostUsd(1_000, 500)));
        Assert.Equal(0.0075, run.Committed.CostUsd, 1e-12);

        var second = engine.DecideModelCall(new ModelCallRequest("planner", null) { EstimatedPromptTokens = 100, MaxCompletionTokens = 100 }, run);
        Assert.Equal(200, second.Reservation!.Amount.Tokens);
        second.Reservation.Settle(new Usage(Steps: 1, Tokens: 150));

        var third = engine.DecideModelCall(new ModelCallRequest("planner", null), run);
        Assert.Equal((DecisionKind.BudgetExceeded, BudgetNames.MaxSteps), (third.Decision.Kind, third.Decision.RuleId));
    }

    [Theory]
    [InlineData(BudgetNames.MaxTokensTotal)]
    [InlineData(BudgetNames.MaxCostUsd)]
    public void Concurrent_model_calls_share_what_is_left_and_a_refusal_for_calls_in_flight_is_retryable(string budget)
    {
        var budgets = budget == BudgetNames.MaxTokensTotal ? new Budgets { MaxTokensTotal = 10_000 } : new Budgets { MaxCostUsd = 0.1 };
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = budgets });
        var run = Ledger(engine);

        var first = engine.DecideModelCall(new ModelCallRequest("planner", null), run);
        var second = engine.DecideModelCall(new ModelCallRequest("planner", null), run);
        var third = engine.DecideModelCall(new ModelCallRequest("planner", null), run);

        Assert.Equal(8_000, first.MaxCompletionTokens);
        Assert.Equal(2_000, second.MaxCompletionTokens);
        Assert.Equal((DecisionKind.BudgetExceeded, budget, true), (third.Decision.Kind, third.Decision.RuleId, third.Retryable));
        Assert.Null(run.TerminatedBy);
        first.Reservation!.Settle(new Usage(Steps: 1, Tokens: 100, CostUsd: 0.001));
        Assert.Equal(DecisionKind.Allow, engine.DecideModelCall(new ModelCallRequest("planner", null), run).Decision.Kind);
    }

    [Fact]
    public async Task Parallel_decisions_never_allow_more_calls_than_the_budget()
    {
        var engine = Engine(SupportWorkflow.Spec() with { Budgets = new Budgets { MaxToolCalls = 40 }, Policy = null });
        var run = Ledger(engine);
        var allowed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                var result = engine.DecideToolCall(Call("orders.lookup", ToolAction.Read, """{"order_id":"ord_1"}"""), run);
                if (result.Reservation is { } reservation)
                {
                    Interlocked.Increment(ref allowed);
                    reservation.Settle(Usage.OneToolCall);
                }
            }
        })));

        Assert.Equal(40, allowed);
        Assert.Equal(40, run.Committed.ToolCalls);
    }
}
