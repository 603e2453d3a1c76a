using System.Text.Json;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Rules;

/// <summary>
/// What a rule sees for one call: <c>input</c> (the call's JSON, read in place), <c>run</c>, <c>tool</c>,
/// <c>models</c> and <c>request</c> (the agent's action packet: <c>intent</c> and <c>reason</c>, each present only when sent). Built once per decision and shared by every rule, so nothing is converted per rule.
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
    private static readonly IReadOnlyDictionary<string, object?> NoRequest = new Dictionary<string, object?>(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, object?>? _request;

    /// <summary>The <c>request</c> variable: <c>intent</c> and <c>reason</c> of the agent's action packet, absent when not sent.</summary>
    public IReadOnlyDictionary<string, object?> Request { get => _request ?? NoRequest; init => _request = value; }

    /// <summary>The <c>request</c> variable of a call with the given action packet.</summary>
    public static IReadOnlyDictionary<string, object?> RequestVariable(string? intent, string? reason)
    {
        if (intent is null && reason is null)
        {
            return NoRequest;
        }

        var request = new Dictionary<string, object?>(2, StringComparer.Ordinal);
        if (intent is not null)
        {
            request["intent"] = intent;
        }

        if (reason is not null)
        {
            request["reason"] = reason;
        }

        return request;
    }

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

        return new Dictionary<string, object?>(5, StringComparer.Ordinal)
        {
            ["request"] = Request,
            ["input"] = CelValues.FromJson(Input),
            ["run"] = run,
            ["tool"] = Tool,
            ["models"] = Models,
        };
    }
}
