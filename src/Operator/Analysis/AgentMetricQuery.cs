namespace AgentOperator.Operator.Analysis;

/// <summary>The PromQL of one built-in measure: its value, and the sample size behind it (null: the value's presence is the sample).</summary>
internal sealed record AgentMetricQuery(string Value, string? SampleSize);
