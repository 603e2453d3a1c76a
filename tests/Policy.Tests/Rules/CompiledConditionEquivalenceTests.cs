using System.Text.Json;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Tests.Rules;

/// <summary>
/// The compiled conditions against the Cel interpreter: for every rule of the corpus and every input, the
/// compiled form either decides with exactly the interpreter's outcome or leaves the call to it.
/// </summary>
public class CompiledConditionEquivalenceTests
{
    /// <summary>Every condition written in this repository's bundles, examples and tests.</summary>
    private static readonly string[] RepositoryConditions =
    [
        "!has(input.note) || size(input.note) < 200",
        "!input.order_id.startsWith('ord_666')",
        "!input.vip",
        "has(input.order_id)",
        "input.amount_usd <= 20.0",
        "input.amount_usd <= 30.0",
        "input.amount_usd <= 50.0",
        "input.amount_usd <= 500.0",
        "input.amount_usd <= 50",
        "input.amount_usd <= 50.0 && input.reason.startsWith('R')",
        "input.reason.startsWith('R')",
        "input.status != 'open'",
        "input.text.size() > 0",
        "models.planner.maxTokensPerCall == 8000 && tool.name != ''",
        "models.verifier.maxTokensPerCall > 0",
        "models.writer.maxTokensPerCall < 100",
        "models['executor'].provider == 'anthropic'",
        "run.costUsd < 900.0",
        "run.toolCalls < 1000000",
        "run.toolCalls < 25",
        "size(input.query) > 2",
        "size(input.text) < 10",
        "size(input.text) < 2000",
        "tool.action != 'delete' || run.steps > 3",
        "tool.riskTier < 2 || tool.action == 'read'",
        "true",
        "!input.body.matches('[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}')",
        "input.visibility == 'internal'",
        "input.items.all(i, i.qty > 0) && input.items.exists(i, i.sku == 'b')",
        "has(input.reason) && !has(input.note) && input.reason.startsWith('R')",
        "'vip' in input.tags && size(input.tags) == 1",
        "input.missing <= 50.0",
        "input.name + 1 > 0",
        "input.name",
    ];

    /// <summary>The edges of the compiled subset: every operator, mixed types, errors, constructs left to the interpreter.</summary>
    private static readonly string[] EdgeConditions =
    [
        "input.amount_usd * 2 > 80 || input.amount_usd - 1 < 0",
        "input.amount_usd / 2 >= 21 && input.amount_usd % 2 == 0",
        "input.amount_usd + 0.5 > 42.0",
        "-input.amount_usd < 0",
        "input.amount_usd == 42",
        "input.amount_usd != 42.0",
        "input.amount_usd in [20, 42, 42.5]",
        "input.status in ['open', 'pending']",
        "'order_id' in input",
        "input.tags[0] == 'vip'",
        "input['reason'].endsWith('t')",
        "input.reason.contains('gre')",
        "input.reason < 'S'",
        "input.reason + '!' == 'Regret!'",
        "tool.riskTier >= 3 ? input.amount_usd <= 50.0 : true",
        "run.task == 'refund' && has(run.task)",
        "run.elapsedSeconds >= 0.0 && run.tokens >= 0 && run.id != ''",
        "input.a.b.c == 1",
        "has(input.a.b) && input.a.b.c > 0",
        "input.dup == 2",
        "size(input) > 0",
        "input.vip == true",
        "input.note == null",
        "!!input.vip",
        "int(input.amount_usd) < 50",
        "input.text.matches('^h')",
        "input.amount_usd / 0.0 > 1.0",
        "input.amount_usd / 0 > 1",
        "(input.amount_usd > 10) == (input.amount_usd > 20)",
    ];

    private static readonly string[] Inputs =
    [
        "{}",
        """{"amount_usd":42}""",
        """{"amount_usd":42.5}""",
        """{"amount_usd":50}""",
        """{"amount_usd":50.5}""",
        """{"amount_usd":"50"}""",
        """{"amount_usd":null}""",
        """{"amount_usd":-1}""",
        """{"amount_usd":1e3}""",
        """{"amount_usd":9223372036854775807}""",
        """{"amount_usd":18446744073709551616}""",
        """{"order_id":"ord_123","amount_usd":20,"reason":"Regret"}""",
        """{"order_id":"ord_6661","amount_usd":42,"reason":"Return"}""",
        """{"order_id":123,"reason":""}""",
        """{"note":null,"reason":"Regret"}""",
        """{"note":"short"}""",
        $$"""{"note":"{{new string('x', 300)}}"}""",
        """{"text":"héllo😀"}""",
        """{"text":""}""",
        """{"text":5}""",
        """{"query":"ab"}""",
        """{"query":"abc"}""",
        """{"status":"open"}""",
        """{"status":"solved"}""",
        """{"vip":true}""",
        """{"vip":false}""",
        """{"vip":"yes"}""",
        """{"tags":["vip"]}""",
        """{"tags":["vip","x"]}""",
        """{"tags":[1,"vip"]}""",
        """{"items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}""",
        """{"body":"card 4111 1111 1111 1111"}""",
        """{"body":"none"}""",
        """{"visibility":"internal"}""",
        """{"name":"x"}""",
        """{"dup":1,"dup":2}""",
        """{"a":{"b":{"c":1}}}""",
        """{"a":{"b":null}}""",
        """{"a":[1]}""",
    ];

    private static readonly RunSnapshot[] Runs =
    [
        new() { RunId = "run-1" },
        new() { RunId = "run-2", Task = "refund", Steps = 5, ToolCalls = 30, Tokens = 1200, CostUsd = 950, ElapsedSeconds = 12.5 },
    ];

    private static readonly Dictionary<string, object?>[] Tools =
    [
        ToolVariable("payments.issue_refund", "create", 3),
        ToolVariable("orders.lookup", "read", 0),
        ToolVariable("records.purge", "delete", 4),
    ];

    private static readonly Dictionary<string, object?> Models = new(StringComparer.Ordinal)
    {
        ["planner"] = new Dictionary<string, object?> { ["provider"] = "openai", ["model"] = "gpt-4o", ["maxTokensPerCall"] = 8000L },
        ["executor"] = new Dictionary<string, object?> { ["provider"] = "anthropic", ["model"] = "claude", ["maxTokensPerCall"] = 4000L },
    };

    [Fact]
    public void Compiled_conditions_decide_exactly_as_the_interpreter_for_every_rule_and_input()
    {
        var mismatches = new List<string>();
        foreach (var (condition, program) in Programs())
        {
            foreach (var activation in Activations())
            {
                var interpreted = program.Evaluate(activation.ToVariables());
                if (program.TryEvaluateCompiled(activation, out var compiled) && compiled != interpreted)
                {
                    mismatches.Add($"{condition} on {activation.Input.GetRawText()}: compiled {compiled}, interpreter {interpreted}");
                }

                // What the decision path uses: compiled where it decides, the interpreter otherwise.
                if (program.Evaluate(activation) != interpreted)
                {
                    mismatches.Add($"{condition} on {activation.Input.GetRawText()}: evaluated {program.Evaluate(activation)}, interpreter {interpreted}");
                }
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public void Compiled_conditions_decide_nearly_every_call_the_interpreter_answers_without_error()
    {
        var (decided, total) = (0, 0);
        foreach (var program in RepositoryConditions.Select(Compile).Where(p => p.IsCompiled))
        {
            foreach (var activation in Activations().Where(a => program.Evaluate(a.ToVariables()).Error is null))
            {
                total++;
                decided += program.TryEvaluateCompiled(activation, out _) ? 1 : 0;
            }
        }

        // The rest mix types that the subset leaves to the interpreter (an int against a string list element, ...).
        Assert.True(decided >= total * 0.95, $"the compiled form decided {decided} of {total} evaluations");
    }

    [Theory]
    [InlineData("input.amount_usd <= 50.0 && input.reason.startsWith('R')", """{"amount_usd":42.5,"reason":"Refund"}""", true)]
    [InlineData("!has(input.note) || size(input.note) < 200", """{"note":"short"}""", true)]
    [InlineData("tool.action != 'delete' || run.steps > 3", "{}", true)]
    [InlineData("models['executor'].provider == 'anthropic'", "{}", true)]
    [InlineData("'vip' in input.tags && size(input.tags) == 1", """{"tags":["vip","x"]}""", false)]
    [InlineData("!input.body.matches('[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}')", """{"body":"card 4111 1111 1111 1111"}""", false)]
    public void Typical_conditions_run_compiled(string condition, string input, bool expected)
    {
        var program = Compile(condition);
        var activation = new RuleActivation(JsonDocument.Parse(input).RootElement, Runs[0], Tools[0], Models);

        Assert.True(program.IsCompiled, program.NotCompiledBecause);
        Assert.True(program.TryEvaluateCompiled(activation, out var outcome));
        Assert.Equal(expected, outcome.Passed);
    }

    [Theory]
    [InlineData("input.items.all(i, i.qty > 0)", "the function 'all'")]
    [InlineData("int(input.amount_usd) < 50", "the function 'int'")]
    [InlineData("input.tags == ['vip']", "'['vip']'")]
    [InlineData("input.body.matches('[unclosed')", "the pattern '[unclosed'")]
    public void Conditions_outside_the_subset_stay_on_the_interpreter(string condition, string construct)
    {
        var program = Compile(condition);

        Assert.False(program.IsCompiled);
        Assert.Contains(construct, program.NotCompiledBecause, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_that_makes_the_interpreter_fail_gets_its_error_message()
    {
        var program = Compile("input.amount_usd <= 50.0");
        var activation = new RuleActivation(JsonDocument.Parse("""{"amount_usd":"50"}""").RootElement, Runs[0], Tools[0], Models);

        var outcome = program.Evaluate(activation);

        Assert.False(program.TryEvaluateCompiled(activation, out _));
        Assert.False(outcome.Passed);
        Assert.Equal(program.Evaluate(activation.ToVariables()).Error, outcome.Error);
        Assert.NotNull(outcome.Error);
    }

    private static IEnumerable<(string Condition, CelRuleProgram Program)> Programs() =>
        RepositoryConditions.Concat(EdgeConditions).Select(condition => (condition, Compile(condition)));

    private static IEnumerable<RuleActivation> Activations() =>
        from input in Inputs
        from run in Runs
        from tool in Tools
        select new RuleActivation(JsonDocument.Parse(input).RootElement, run, tool, Models);

    private static CelRuleProgram Compile(string condition)
    {
        Assert.True(CelRuleProgram.TryCompile(new BundleRule { Id = "r", Condition = condition }, out var program, out var error), error);
        return program;
    }

    private static Dictionary<string, object?> ToolVariable(string name, string action, long riskTier) =>
        new(StringComparer.Ordinal) { ["name"] = name, ["action"] = action, ["riskTier"] = riskTier };
}
