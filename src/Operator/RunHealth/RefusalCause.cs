using AgentOperator.Contracts;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Operator.RunHealth;

/// <summary>
/// One reason calls of a workflow are refused or fail: a rule (policy rule, budget or built-in check) or a tool whose
/// upstream calls fail. <see cref="Sentence"/> never changes for the same cause, so the Event that reports it aggregates.
/// </summary>
internal sealed record RefusalCause(string EventReason, string Sentence, double Count)
{
    public const string CallsRefused = "CallsRefused";
    public const string ToolCallsFailing = "ToolCallsFailing";

    public static RefusalCause ForRule(string rule, double count) => new(CallsRefused, $"rule {rule}: {RuleMeaning(rule)}", count);

    public static RefusalCause ForTool(string tool, double count) => new(ToolCallsFailing,
        tool == Analysis.RunActivity.AnyTool
            ? "tool calls fail upstream: an endpoint unreachable, a timeout or a missing credential"
            : $"tool '{tool}': calls fail upstream (an endpoint unreachable, a timeout or a missing credential)",
        count);

    /// <summary>Every cause of <paramref name="refusalsByRule"/> and <paramref name="errorsByTool"/> with a count above zero, most frequent first.</summary>
    public static IReadOnlyList<RefusalCause> From(IReadOnlyDictionary<string, double> refusalsByRule, IReadOnlyDictionary<string, double> errorsByTool) =>
    [
        .. refusalsByRule.Where(p => p.Value >= 1).Select(p => ForRule(p.Key, p.Value))
            .Concat(errorsByTool.Where(p => p.Value >= 1 && p.Key != AgentMetrics.Labels.UnknownTool).Select(p => ForTool(p.Key, p.Value)))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Sentence, StringComparer.Ordinal),
    ];

    // The metrics carry the rule id only (never the call's input or role, which agents choose), so the sentence is the rule's meaning.
    private static string RuleMeaning(string rule) => rule switch
    {
        BuiltInRules.ModelRole => "a model call named a role the workflow does not declare in spec.models",
        BuiltInRules.ModelPinned => "a model call asked for a model other than the one pinned for its role",
        BuiltInRules.MaxTokensPerCall => "a model call asked for more tokens than its role's maxTokensPerCall",
        BuiltInRules.KillSwitch => "the kill switch denies every write",
        BuiltInRules.Allowlist => "a tool outside the workflow's allowlist was called",
        BuiltInRules.Action => "an action the workflow does not allow for the tool was called",
        BuiltInRules.Autonomy => "the autonomy level or the tool's risk tier refused the call",
        BuiltInRules.Schema => "the input did not match the tool's input schema",
        BuiltInRules.RateLimit => "the tool's rate limit was exhausted",
        _ when rule.StartsWith("approval", StringComparison.Ordinal) => "the call's approval was missing, denied, expired or already used",
        BudgetNames.MaxSteps or BudgetNames.MaxToolCalls or BudgetNames.MaxTokensTotal or BudgetNames.MaxCostUsd or BudgetNames.MaxWallTimeSeconds => $"the run budget {rule} was exhausted",
        _ => $"policy rule '{rule}' refused the call",
    };
}
