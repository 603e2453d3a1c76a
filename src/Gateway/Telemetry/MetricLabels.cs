namespace AgentOperator.Gateway.Telemetry;

/// <summary>The labels every agent metric carries: which workflow and which revision of it.</summary>
public sealed record MetricLabels(string Workflow, string Revision);
