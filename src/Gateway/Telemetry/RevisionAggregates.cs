namespace AgentOperator.Gateway.Telemetry;

/// <summary>
/// Totals of one revision, served as JSON on the metrics port (<c>/v1/aggregates</c>) for the operator's
/// analysis when no Prometheus is configured.
/// </summary>
public sealed class RevisionAggregates(string workflow, string revision)
{
    public string Workflow { get; } = workflow;
    public string Revision { get; } = revision;
    public Dictionary<string, long> RunsByOutcome { get; } = [];
    public Dictionary<string, long> ToolCallsByDecision { get; } = [];
    public Dictionary<string, long> ViolationsByRule { get; } = [];
    public long Escalations { get; set; }
    public long Tokens { get; set; }
    public double CostUsd { get; set; }
    public double? EvalPassRatio { get; set; }
}
