namespace AgentOperator.Contracts;

/// <summary>
/// The gateway's Prometheus metric names and labels: the gateway exports them (GatewayMetrics), the operator's
/// analysis queries them (AgentMetricQueries), dashboards and alerts read them.
/// </summary>
public static class AgentMetrics
{
    /// <summary>Completed runs, labelled workflow, revision, outcome (<see cref="RunOutcomes"/>).</summary>
    public const string Runs = "agent_runs_total";

    /// <summary>Tool calls, labelled workflow, revision, tool, decision (<see cref="ToolDecisions"/>).</summary>
    public const string ToolCalls = "agent_tool_calls_total";

    /// <summary>
    /// Calls refused by a rule, budget or built-in check (deny, invalid, budget_exceeded, rate_limited, a failed
    /// approval), labelled workflow, revision, rule. A call escalated to a human approval is not a violation: it is
    /// <see cref="Escalations"/> and <c>agent_tool_calls_total{decision="escalate"}</c>.
    /// </summary>
    public const string PolicyViolations = "agent_policy_violations_total";

    /// <summary>Calls escalated to a human approval, labelled workflow, revision.</summary>
    public const string Escalations = "agent_escalations_total";

    /// <summary>Model tokens, labelled workflow, revision, role, model.</summary>
    public const string Tokens = "agent_tokens_total";

    /// <summary>Model cost in USD, labelled workflow, revision.</summary>
    public const string Cost = "agent_cost_usd_total";

    /// <summary>Run wall time histogram, labelled workflow, revision, outcome.</summary>
    public const string RunDuration = "agent_run_duration_seconds";

    /// <summary>Tool call time histogram, labelled workflow, revision, tool, decision.</summary>
    public const string ToolCallDuration = "agent_tool_call_duration_seconds";

    /// <summary>Share of evaluated runs that passed, labelled workflow, revision.</summary>
    public const string EvalPassRatio = "agent_eval_pass_ratio";

    /// <summary>Label names.</summary>
    public static class Labels
    {
        /// <summary>The AgentWorkflow's name (every metric).</summary>
        public const string Workflow = "workflow";

        /// <summary>The workflow revision (every metric).</summary>
        public const string Revision = "revision";

        /// <summary>A run's outcome, one of <see cref="RunOutcomes"/>.</summary>
        public const string Outcome = "outcome";

        /// <summary>A tool call's decision, one of <see cref="ToolDecisions"/>.</summary>
        public const string Decision = "decision";

        /// <summary>The tool's name when the bundle in force has the tool, else <see cref="UnknownTool"/>.</summary>
        public const string Tool = "tool";

        /// <summary>The <see cref="Tool"/> value of every call to a tool the bundle does not have: agents choose tool names, so they must not choose series.</summary>
        public const string UnknownTool = "(unknown)";

        /// <summary>The id of the rule or budget that refused the call.</summary>
        public const string Rule = "rule";

        /// <summary>The model role of the workflow spec.</summary>
        public const string Role = "role";

        /// <summary>The model's name.</summary>
        public const string Model = "model";
    }
}

/// <summary>Values of the <c>decision</c> label of tool calls (and of the audit record's decision).</summary>
public static class ToolDecisions
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string Escalate = "escalate";
    public const string Error = "error";
}
