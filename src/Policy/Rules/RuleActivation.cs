using System.Text.Json;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Rules;

/// <summary>
/// What a rule sees for one call: <c>input</c> (the call's JSON, read in place), <c>run</c>, <c>tool</c> and
/// <c>models</c>. Built once per decision and shared by every rule, so nothing is converted per rule.
/// </summary>
/// <param name="Input">The tool input.</param>
/// <param name="Run">The run's counters before this call.</param>
/// <param name="Tool">The <c>tool</c> variable: name, action, riskTier.</param>
/// <param name="Models">The <c>models</c> variable: role → provider, model, maxTokensPerCall.</param>
public readonly record struct RuleActivation(
    JsonElement Input,
    RunSnapshot Run,
    IReadOnlyDictionary<string, object?> Tool,
    IReadOnlyDictionary<string, object?> Models)
{
    /// <summary>The same variables as the Cel interpreter takes them (for rules the compiler leaves to it).</summary>
    public Dictionary<string, object?> ToVariables()
    {
        var run = new Dictionary<string, object?>(8, StringComparer.Ordinal)
        {
            ["id"] = Run.RunId,
            ["steps"] = (long)Run.Steps,
            ["toolCalls"] = (long)Run.ToolCalls,
            ["tokens"] = Run.Tokens,
            ["costUsd"] = Run.CostUsd,
            ["elapsedSeconds"] = Run.ElapsedSeconds,
        };
        if (Run.Task is { } task)
        {
            run["task"] = task;
        }

        return new Dictionary<string, object?>(4, StringComparer.Ordinal)
        {
            ["input"] = CelValues.FromJson(Input),
            ["run"] = run,
            ["tool"] = Tool,
            ["models"] = Models,
        };
    }
}
