using System.Text.Json.Serialization;

namespace AgentOperator.Contracts;

/// <summary>
/// The document the gateway serves on its metrics port at <see cref="Path"/> and the operator's web analysis
/// provider reads (from one gateway or from an aggregator of many): totals since each gateway started.
/// </summary>
/// <param name="Revisions">One entry per workflow revision the gateway has counted.</param>
public sealed record GatewayAggregates([property: JsonPropertyName("revisions"), JsonRequired] IReadOnlyList<RevisionAggregates> Revisions)
{
    /// <summary>Path of the document on the gateway's metrics port.</summary>
    public const string Path = "/v1/aggregates";
}

/// <summary>Totals of one workflow revision, read from the same counters Prometheus scrapes.</summary>
[JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
public sealed class RevisionAggregates
{
    /// <summary>The AgentWorkflow's name.</summary>
    [JsonPropertyName("workflow")]
    public required string Workflow { get; init; }

    /// <summary>The workflow revision.</summary>
    [JsonPropertyName("revision")]
    public required string Revision { get; init; }

    /// <summary>Completed runs by outcome (<see cref="RunOutcomes"/>).</summary>
    [JsonPropertyName("runsByOutcome")]
    public Dictionary<string, long> RunsByOutcome { get; } = [];

    /// <summary>Tool calls by decision (<see cref="ToolDecisions"/>).</summary>
    [JsonPropertyName("toolCallsByDecision")]
    public Dictionary<string, long> ToolCallsByDecision { get; } = [];

    /// <summary>Refused calls by rule id (<see cref="AgentMetrics.PolicyViolations"/>; escalations are <see cref="Escalations"/>).</summary>
    [JsonPropertyName("violationsByRule")]
    public Dictionary<string, long> ViolationsByRule { get; } = [];

    /// <summary>Calls escalated to a human approval.</summary>
    [JsonPropertyName("escalations")]
    public long Escalations { get; set; }

    /// <summary>Model tokens.</summary>
    [JsonPropertyName("tokens")]
    public long Tokens { get; set; }

    /// <summary>Model cost in USD.</summary>
    [JsonPropertyName("costUsd")]
    public double CostUsd { get; set; }

    /// <summary>Share of evaluated runs that passed; null before the first evaluation.</summary>
    [JsonPropertyName("evalPassRatio")]
    public double? EvalPassRatio { get; set; }
}
