namespace AgentOperator.DevMode.LiveView;

/// <summary>What one revision's gateways counted (summed over its pods), from their /metrics.</summary>
internal sealed record TrafficRow(string Workflow, string Revision, int Gateways, IReadOnlyDictionary<string, double> RunsByOutcome,
    IReadOnlyDictionary<string, double> ToolCallsByDecision, double ModelTokens, double CostUsd);
