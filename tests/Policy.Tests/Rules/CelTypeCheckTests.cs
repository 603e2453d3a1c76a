using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Rules.Checking;
using AgentOperator.Policy.Tests.Fixtures;

namespace AgentOperator.Policy.Tests.Rules;

/// <summary>Conditions are type-checked when the workflow compiles: errors name the rule, the position and a hint.</summary>
public class CelTypeCheckTests
{
    private static readonly JsonObject RefundSchema = JsonNode.Parse("""
        {"type":"object","additionalProperties":false,"required":["order_id","amount_usd"],
         "properties":{"order_id":{"type":"string"},"amount_usd":{"type":"number"},"currency":{"type":"string","enum":["USD","EUR"]},
                       "tags":{"type":"array","items":{"type":"string"}}},
         "allOf":[{"properties":{"amount_usd":{"maximum":500}}}]}
        """)!.AsObject();

    private static IReadOnlyList<string> Check(string condition, JsonObject? schema = null) =>
        CelTypeChecker.Check(condition, CelDeclarations.For(
            new AgentOperator.Policy.Bundles.BundleTool { Name = "payments.issue_refund", RiskTier = 3, Actions = [ToolAction.Create], InputSchema = schema ?? RefundSchema, Upstream = new ToolUpstream { Url = "http://x" } },
            ["planner"]));

    [Theory]
    [InlineData("input.amount_usd <= 50.0")]
    [InlineData("input.amount_usd <= 50")]
    [InlineData("input.currency in ['USD', 'EUR'] && input.order_id.startsWith('ORD-')")]
    [InlineData("has(input.currency) ? input.currency == 'USD' : true")]
    [InlineData("input.tags.all(t, t.size() < 10) && size(input.tags) <= 3")]
    [InlineData("run.toolCalls < 5 && run.costUsd < 0.5 && tool.riskTier >= 3 && tool.action == 'create'")]
    [InlineData("models.planner.maxTokensPerCall > 0")]
    [InlineData("!(input.amount_usd > 100.0) || run.task.contains('vip')")]
    [InlineData("input.amount_usd * 2.0 + 1.0 < 100.0 // a comment")]
    [InlineData("input['order_id'] != ''")]
    public void Well_typed_conditions_check(string condition) => Assert.Empty(Check(condition));

    [Theory]
    [InlineData("inputs.text == 'x'", "line 1, column 1: undeclared variable 'inputs'; hint: the declared variables are input, run, tool, models, request")]
    [InlineData("input.amount_usd + 1.0", "the condition is a number, not a boolean")]
    [InlineData("input.order_id", "the condition is a string, not a boolean")]
    [InlineData("input.amount_usd <== 50.0", "line 1, column 20: unexpected '='")]
    [InlineData("input.amount <= 50.0", "line 1, column 7: 'input' has no field 'amount'; hint: its fields are: amount_usd, currency, order_id, tags")]
    [InlineData("input.order_id > 5", "'>' cannot order a string and a number")]
    [InlineData("input.amount_usd == 'fifty'", "'==' compares a number with a string")]
    [InlineData("input.amount_usd.startsWith('5')", "startsWith() works on strings, not on a number")]
    [InlineData("run.cost < 1.0", "'run' has no field 'cost'; hint: its fields are: costUsd, elapsedSeconds, id, steps, task, tokens, toolCalls")]
    [InlineData("tool.risk_tier > 2", "'tool' has no field 'risk_tier'")]
    [InlineData("input.tags.all(t, t.size())", "the predicate of all() is a number")]
    [InlineData("input.amount_usd > 1.0 && input.currency", "an operand of && is a string")]
    [InlineData("input.amount_usd in 5", "'in' needs a list or a map on its right")]
    public void Ill_typed_conditions_are_refused_with_position_and_hint(string condition, string expected)
    {
        var errors = Check(condition);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Contains("hint:", e, StringComparison.Ordinal));
    }

    [Fact]
    public void An_open_schema_lets_unknown_fields_through_as_dyn()
    {
        var open = JsonNode.Parse("""{"type":"object","properties":{"a":{"type":"string"}}}""")!.AsObject();

        Assert.Empty(Check("input.b > 3 && input.a == 'x'", open));
        Assert.NotEmpty(Check("input.a > 3", open));
    }

    [Fact]
    public void A_rule_for_every_tool_has_an_untyped_input_but_typed_run_and_tool()
    {
        var declarations = CelDeclarations.For(null, []);

        Assert.Empty(CelTypeChecker.Check("input.anything == 1", declarations));
        Assert.NotEmpty(CelTypeChecker.Check("run.anything == 1", declarations));
    }

    [Fact]
    public void Compiler_refuses_the_workflow_with_the_rule_id_and_spec_path()
    {
        var spec = SupportWorkflow.Spec() with
        {
            Policy = new PolicySpec
            {
                Rules =
                [
                    new() { Id = "typo", Condition = "inputs.text == 'x'", OnFail = RuleAction.Deny },
                    new() { Id = "not-bool", Condition = "run.toolCalls + 1", OnFail = RuleAction.Deny },
                    new() { Id = "le", Condition = "run.toolCalls <== 3", OnFail = RuleAction.Deny },
                ],
            },
        };

        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(spec), SupportWorkflow.Registry());

        Assert.False(result.Succeeded);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("spec.policy.rules[0].condition: rule 'typo': line 1, column 1: undeclared variable 'inputs'; hint: the declared variables are input, run, tool, models, request", errors);
        Assert.Contains(errors, e => e.StartsWith("spec.policy.rules[1].condition: rule 'not-bool': line 1, column 1: the condition is a number, not a boolean", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.policy.rules[2].condition: rule 'le': line 1, column 17: unexpected '='", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_condition_of_the_shipped_examples_and_fixtures_checks()
    {
        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(), SupportWorkflow.Registry());

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
    }
}
