namespace AgentOperator.Operator.Analysis;

/// <summary>The built-in agent measures, computed from the gateway's metrics of one revision over a window.</summary>
internal enum AgentMeasure
{
    /// <summary>agent_eval_pass_ratio; sample: the gauge being present.</summary>
    EvalPassRate,

    /// <summary>Escalated runs / all runs; sample: runs.</summary>
    EscalationRate,

    /// <summary>Policy violations counted in the window; sample: runs.</summary>
    PolicyViolations,

    /// <summary>Policy violations per run; sample: runs.</summary>
    PolicyViolationRate,

    /// <summary>Cost in USD / successful runs (+Inf when money was spent and nothing succeeded); sample: runs.</summary>
    CostPerSuccessfulTask,

    /// <summary>Tool calls ending in an upstream error / all tool calls; sample: tool calls.</summary>
    ToolErrorRate,
}
