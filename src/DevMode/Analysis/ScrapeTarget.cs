namespace AgentOperator.DevMode.Analysis;

/// <summary>One Prometheus target: the metrics address and the labels its series get.</summary>
internal sealed record ScrapeTarget(Uri MetricsAddress, IReadOnlyDictionary<string, string> Labels);
