using AgentOperator.Contracts;
using System.Globalization;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Compiles the built-in measures to PromQL over the gateway's metrics (<see cref="AgentMetrics"/>), scoped to
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
    public static AgentMetricQuery For(AgentMeasure measure, RevisionScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var runs = Count(AgentMetrics.Runs, scope);
        return measure switch
        {
            AgentMeasure.EvalPassRate => new AgentMetricQuery($"avg(last_over_time({AgentMetrics.EvalPassRatio}{{{Selector(scope)}}}[{Window(scope.Window)}]))", null),
            AgentMeasure.EscalationRate => new AgentMetricQuery($"{Count(AgentMetrics.Runs, scope, Matcher(AgentMetrics.Labels.Outcome, RunOutcomes.Escalated))} / {runs}", runs),
            AgentMeasure.PolicyViolations => new AgentMetricQuery(Count(AgentMetrics.PolicyViolations, scope), runs),
            AgentMeasure.PolicyViolationRate => new AgentMetricQuery($"{Count(AgentMetrics.PolicyViolations, scope)} / {runs}", runs),
            AgentMeasure.CostPerSuccessfulTask => new AgentMetricQuery($"{Count(AgentMetrics.Cost, scope)} / {Count(AgentMetrics.Runs, scope, Matcher(AgentMetrics.Labels.Outcome, RunOutcomes.Success))}", runs),
            AgentMeasure.ToolErrorRate => new AgentMetricQuery(
                $"{Count(AgentMetrics.ToolCalls, scope, Matcher(AgentMetrics.Labels.Decision, ToolDecisions.Error))} / {Count(AgentMetrics.ToolCalls, scope)}", Count(AgentMetrics.ToolCalls, scope)),
            _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "unknown measure"),
        };
    }

    /// <summary>A Prometheus duration for a window: whole seconds, at least 1 s.</summary>
    public static string Window(TimeSpan window) => $"{Math.Max(1, (long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>The label matchers of one revision of one workflow.</summary>
    public static string Selector(RevisionScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return $"{Matcher(AgentMetrics.Labels.Workflow, scope.Workflow)},{Matcher(AgentMetrics.Labels.Revision, scope.Revision)}";
    }

    /// <summary>An equality matcher <c>label="value"</c>.</summary>
    public static string Matcher(string label, string value) => $"{label}=\"{Escape(value)}\"";

    /// <summary>How much a counter grew in the window, summed over its series; 0 without series. See the class remarks.</summary>
    public static string Count(string metric, RevisionScope scope, string? matcher = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var series = $"{metric}{{{Selector(scope)}{(matcher is null ? "" : "," + matcher)}}}";
        var window = Window(scope.Window);
        return $"(sum((last_over_time({series}[{window}]) - {series} offset {window} >= 0) or last_over_time({series}[{window}])) or vector(0))";
    }

    /// <summary>How much a counter grew in the window, per value of <paramref name="label"/>; an empty vector without series. See the class remarks.</summary>
    public static string CountBy(string metric, string label, RevisionScope scope, string? matcher = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var series = $"{metric}{{{Selector(scope)}{(matcher is null ? "" : "," + matcher)}}}";
        var window = Window(scope.Window);
        return $"sum by ({label}) ((last_over_time({series}[{window}]) - {series} offset {window} >= 0) or last_over_time({series}[{window}]))";
    }

    // PromQL string literals follow Go's escaping; Kubernetes names never need it, but a label value must not end the literal.
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
