using System.Globalization;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Compiles the built-in measures to PromQL over DESIGN.md's metric names, scoped to
/// <c>{workflow="…",revision="…"}</c> and the scope's window.
/// </summary>
/// <remarks>
/// The metrics carry no namespace label (Prometheus adds its own target labels), so the namespace is not part of the
/// selector. Counts are exact differences, not <c>increase()</c>: increase() extrapolates to the window's edges, which
/// with a handful of samples turns 2 runs into 3 or 5, and it drops the first value of a series created inside the
/// window — the gateway creates a label set on first use, so it is first scraped at 1, not 0, and Prometheus 2.42
/// injects no created-timestamp zeros. For low-volume agent traffic those are the runs that decide. So, per series:
/// the last value in the window minus the value a window ago; a series born inside the window counts from 0; a
/// series whose counter reset (a restarted pod) counts from the restart. Series whose target went away inside the
/// window still count (range selectors skip staleness markers). A count is 0, never empty, without series: no
/// traffic shows as a sample size of 0, and 0/0 as NaN (no data).
/// </remarks>
internal static class AgentMetricQueries
{
    public const string Runs = "agent_runs_total";
    public const string ToolCalls = "agent_tool_calls_total";
    public const string PolicyViolations = "agent_policy_violations_total";
    public const string Cost = "agent_cost_usd_total";
    public const string EvalPassRatio = "agent_eval_pass_ratio";

    public static AgentMetricQuery For(AgentMeasure measure, RevisionScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var runs = Count(Runs, scope);
        return measure switch
        {
            AgentMeasure.EvalPassRate => new AgentMetricQuery($"avg(last_over_time({EvalPassRatio}{{{Selector(scope)}}}[{Window(scope.Window)}]))", null),
            AgentMeasure.EscalationRate => new AgentMetricQuery($"{Count(Runs, scope, "outcome=\"escalated\"")} / {runs}", runs),
            AgentMeasure.PolicyViolations => new AgentMetricQuery(Count(PolicyViolations, scope), runs),
            AgentMeasure.PolicyViolationRate => new AgentMetricQuery($"{Count(PolicyViolations, scope)} / {runs}", runs),
            AgentMeasure.CostPerSuccessfulTask => new AgentMetricQuery($"{Count(Cost, scope)} / {Count(Runs, scope, "outcome=\"success\"")}", runs),
            AgentMeasure.ToolErrorRate => new AgentMetricQuery($"{Count(ToolCalls, scope, "decision=\"error\"")} / {Count(ToolCalls, scope)}", Count(ToolCalls, scope)),
            _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "unknown measure"),
        };
    }

    /// <summary>A Prometheus duration for a window: whole seconds, at least 1 s.</summary>
    public static string Window(TimeSpan window) => $"{Math.Max(1, (long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>The label matchers of one revision of one workflow.</summary>
    public static string Selector(RevisionScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return $"workflow=\"{Escape(scope.Workflow)}\",revision=\"{Escape(scope.Revision)}\"";
    }

    /// <summary>How much a counter grew in the window, summed over its series; 0 without series. See the class remarks.</summary>
    public static string Count(string metric, RevisionScope scope, string? matcher = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var series = $"{metric}{{{Selector(scope)}{(matcher is null ? "" : "," + matcher)}}}";
        var window = Window(scope.Window);
        return $"(sum((last_over_time({series}[{window}]) - {series} offset {window} >= 0) or last_over_time({series}[{window}])) or vector(0))";
    }

    // PromQL string literals follow Go's escaping; Kubernetes names never need it, but a label value must not end the literal.
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
