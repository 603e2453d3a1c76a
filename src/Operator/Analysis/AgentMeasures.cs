using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>Names and units of <see cref="AgentMeasure"/> as they appear in status messages.</summary>
internal static class AgentMeasures
{
    /// <summary>What the sample size of a measure counts.</summary>
    public static string SampleUnit(this AgentMeasure measure) => measure switch
    {
        AgentMeasure.ToolErrorRate => "tool calls",
        AgentMeasure.EvalPassRate => "eval results",
        _ => "runs",
    };

    /// <summary>The measure a relative check compares.</summary>
    public static AgentMeasure ToMeasure(this AgentMetric metric) => metric switch
    {
        AgentMetric.EscalationRate => AgentMeasure.EscalationRate,
        AgentMetric.ToolErrorRate => AgentMeasure.ToolErrorRate,
        AgentMetric.CostPerSuccessfulTask => AgentMeasure.CostPerSuccessfulTask,
        AgentMetric.PolicyViolationRate => AgentMeasure.PolicyViolationRate,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown agent metric"),
    };

    /// <summary>The spec's spelling of a relative check's metric (escalationRate, ...).</summary>
    public static string SpecName(this AgentMetric metric) => metric switch
    {
        AgentMetric.EscalationRate => "escalationRate",
        AgentMetric.ToolErrorRate => "toolErrorRate",
        AgentMetric.CostPerSuccessfulTask => "costPerSuccessfulTask",
        AgentMetric.PolicyViolationRate => "policyViolationRate",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown agent metric"),
    };
}
